package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

/**
 * The one connection that writes a database, and running requests on it: time and randomness pinned per entry,
 * counters reset, statements run under the entry's budget, a SAVEPOINT per {@code transaction} request, and a
 * marker that shows when SQLite rolled the whole open transaction back. Used by one thread at a time: the log
 * applier, or an interactive transaction it lent the writer to.
 */
final class WriterConnection implements AutoCloseable {
    private static final String OPEN_TRANSACTION_MARKERS = "SELECT count(*) FROM temp.halite_open_transaction";

    private final Connection connection;
    private final StatementPolicy policy;
    private final DeterministicFunctions functions = new DeterministicFunctions();
    private final StatementRunner writes;
    private final BooleanSupplier stopping;
    /**
     * The applier's own statements (begin, commit, markers, counters, savepoints, the check for the open
     * transaction's marker), compiled once: they run for every entry or group, and compiling one cost more than
     * running it.
     */
    private final Map<String, PreparedStatement> compiled = new HashMap<>();
    private boolean inTransaction;

    WriterConnection(Path file, SqliteDatabase.Options options, StatementPolicy policy, BooleanSupplier stopping)
            throws SQLException {
        this.policy = policy;
        this.stopping = stopping;
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(options.foreignKeys());
        config.setBusyTimeout(10_000);
        config.setGetGeneratedKeys(false); // we read last_insert_rowid() once, not after every statement
        this.connection = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        ((SQLiteConnection) connection).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
        functions.register(connection);
        try (java.sql.Statement s = connection.createStatement()) {
            // Checkpoints run on their own thread (see Checkpointer), not inside the applier's commits.
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("PRAGMA cache_size = -16384"); // 16 MB of pages for the writer; readers keep the default 2 MB
            // Marks the open write transaction: if SQLite rolls it back (ON CONFLICT ROLLBACK, RAISE(ROLLBACK)),
            // the row disappears with it.
            s.execute("CREATE TEMP TABLE halite_open_transaction(x)");
            s.execute("CREATE TEMP TABLE halite_counters(x)");
        }
        this.writes = new StatementRunner(connection, policy, StatementPolicy.Mode.WRITE, options.statementBudget(),
                stopping);
    }

    Connection connection() {
        return connection;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** The open transaction ended outside {@link #beginIfNeeded}'s knowledge (rolled back, or committed). */
    void transactionEnded() {
        inTransaction = false;
    }

    void beginIfNeeded() throws SQLException {
        if (inTransaction) {
            return;
        }
        execute("BEGIN IMMEDIATE");
        execute("INSERT INTO temp.halite_open_transaction VALUES (1)");
        inTransaction = true;
    }

    /**
     * Readies the open transaction to commit, on the writer's statement {@code s}, as holding the log up to
     * {@code index}: the marker goes, the index is stamped.
     */
    void readyToCommit(java.sql.Statement s, long index) throws SQLException {
        execute("DELETE FROM temp.halite_open_transaction");
        LogPosition.stamp(s, index);
    }

    /**
     * Makes the statements that follow run as one entry stamped with {@code stampMillis} and {@code seed}, each
     * statement within {@code statementBudget} steps.
     */
    void startEntry(long stampMillis, long seed, long statementBudget) throws SQLException {
        functions.pin(stampMillis, seed);
        resetCounters();
        writes.budget(statementBudget);
    }

    /**
     * Sets last_insert_rowid() and changes() to 0 before each entry: otherwise they would carry over this
     * connection's history, which differs between replicas (and across a restart), into the entry's statements.
     */
    private void resetCounters() throws SQLException {
        execute("INSERT INTO temp.halite_counters(rowid) VALUES (0)");
        execute("DELETE FROM temp.halite_counters");
        execute("DELETE FROM temp.halite_counters WHERE rowid < 0");
    }

    /**
     * Runs one part of an entry as the log applies it: its requests in order, with the part's pinned time, seed and
     * budget, adding each request's results to {@code results}.
     *
     * @param forced see {@link #runRequest}
     * @throws RolledBack if SQLite rolled back the whole open transaction (its request says during which one)
     */
    void runPart(EntryWrites.Part part, Map<Long, StatementResult> forced, List<List<StatementResult>> results)
            throws SQLException, RolledBack {
        startEntry(part.stampMillis(), part.seed(), part.statementBudget());
        for (int r = 0; r < part.requests().size(); r++) {
            results.add(runRequest(r, part.requests().get(r), null, forced));
        }
    }

    static long statementKey(int request, int statement) {
        return ((long) request << 32) | statement;
    }

    /**
     * Runs one request on the writer: each statement with its random stream restarted at its position (r, s); a
     * failing statement fails alone, unless the request is a {@code transaction}, which then rolls back whole.
     * With {@code writesSeen}, s counts only the statements that write, and those are added to it (what an
     * interactive transaction records for its log entry, where they will be numbered so); otherwise s is the
     * statement's index. A statement with a result in {@code forced} (by {@link #statementKey}) does not run: it
     * is taken to have failed so.
     *
     * @throws RolledBack if SQLite rolled back the whole open transaction (ON CONFLICT ROLLBACK, RAISE(ROLLBACK),
     *                    a write stopped by its budget)
     */
    List<StatementResult> runRequest(int r, SqlRequest request, List<SqlStatement> writesSeen,
                                     Map<Long, StatementResult> forced) throws SQLException, RolledBack {
        List<SqlStatement> statements = request.statements();
        List<StatementResult> results = new ArrayList<>(statements.size());
        if (request.transaction()) {
            execute("SAVEPOINT halite_request");
        }
        for (int s = 0; s < statements.size(); s++) {
            SqlStatement statement = statements.get(s);
            if (writesSeen == null) {
                functions.beginStatement(r, s);
            } else {
                functions.beginStatement(r, writesSeen.size());
                if (writes(statement.sql())) {
                    writesSeen.add(statement);
                }
            }
            StatementResult result = forced.get(statementKey(r, s));
            if (result == null) {
                result = writes.run(statement, request.readOnly());
                if (writes.stopUncertain() && transactionStillOpen()) {
                    // A read stopped by its budget: SQLite kept the transaction, so get the exact verdict now.
                    result = writes.run(statement, request.readOnly());
                }
                if (stopping.getAsBoolean()) {
                    throw new NodeStoppingException(); // whatever this statement did, it is not to be recorded
                }
            }
            results.add(result);
            if (result instanceof StatementResult.Failed) {
                if (!transactionStillOpen()) {
                    throw new RolledBack(r, s, result, !writes.stopUncertain());
                }
                if (request.transaction()) {
                    execute("ROLLBACK TO halite_request");
                    execute("RELEASE halite_request");
                    return results;
                }
            }
        }
        if (request.transaction()) {
            execute("RELEASE halite_request");
        }
        return results;
    }

    /**
     * SQLite rolled back the whole open transaction when statement {@code statement} of a request failed with
     * {@code result}; {@code conclusive} unless that statement must run again for an exact verdict.
     */
    static final class RolledBack extends Exception {
        final int request;
        final int statement;
        final StatementResult.Failed result;
        final boolean conclusive;

        RolledBack(int request, int statement, StatementResult result, boolean conclusive) {
            super(null, null, false, false);
            this.request = request;
            this.statement = statement;
            this.result = (StatementResult.Failed) result;
            this.conclusive = conclusive;
        }
    }

    private boolean writes(String sql) {
        // A statement that does not compile changes nothing; in a text of several, the ones ahead of it only read
        // (or it would count as a write), so it will not compile when its turn comes either.
        return Boolean.TRUE.equals(policy.writes(connection, sql));
    }

    boolean transactionStillOpen() throws SQLException {
        PreparedStatement ps = compiled(OPEN_TRANSACTION_MARKERS);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getLong(1) == 1;
        } catch (SQLException e) {
            throw discarded(OPEN_TRANSACTION_MARKERS, ps, e);
        }
    }

    /** Rolls back the open transaction, if SQLite has not already. */
    void rollback() throws SQLException {
        inTransaction = false;
        if (transactionStillOpen()) {
            execute("ROLLBACK");
        }
    }

    /** Runs one of the applier's own statements ({@code sql} is one of a few fixed texts, none returning rows). */
    void execute(String sql) throws SQLException {
        PreparedStatement ps = compiled(sql);
        try {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw discarded(sql, ps, e);
        }
    }

    private PreparedStatement compiled(String sql) throws SQLException {
        PreparedStatement ps = compiled.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            compiled.put(sql, ps);
        }
        return ps;
    }

    /** Forgets {@code ps}, which failed with {@code e}: sqlite-jdbc may leave it unusable, so it is compiled afresh. */
    private SQLException discarded(String sql, PreparedStatement ps, SQLException e) {
        compiled.remove(sql);
        try {
            ps.close();
        } catch (SQLException closing) {
            e.addSuppressed(closing);
        }
        return e;
    }

    /** Copies the image at {@code image} over the database with SQLite's backup API (readers see it at once). */
    void restoreFrom(Path image) throws SQLException {
        ((SQLiteConnection) connection).getDatabase().restore("main", image.toString(), null, 100, 100, -1);
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : compiled.values()) {
            ps.close();
        }
        writes.close();
        connection.close();
        functions.close();
    }
}
