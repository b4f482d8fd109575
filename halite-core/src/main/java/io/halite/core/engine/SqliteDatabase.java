package io.halite.core.engine;

import io.halite.core.log.LogEntry;
import io.halite.core.sql.Request;
import io.halite.core.sql.Statement;
import io.halite.core.sql.StatementResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;
import org.sqlite.SQLiteOpenMode;

/**
 * One SQLite database on one node: a single writer connection that applies committed log entries in order, and a
 * pool of read-only connections for reads.
 *
 * <p>The index of the last applied entry is stored in the same SQLite transaction as the entry's effects (table
 * {@value #STATE_TABLE}), so after any crash the file says exactly which entries it holds. Consecutive entries may
 * share one SQLite transaction; {@link #commit()} ends it. With {@code synchronous=NORMAL} a commit is not yet
 * fsynced; {@link #syncDurable()} makes everything committed durable, and only then may the Raft log be purged.
 *
 * <p>The writer methods must be called from one thread (the log applier); read methods from any thread.
 */
public final class SqliteDatabase implements AutoCloseable {
    public static final String STATE_TABLE = "_halite_state";

    /**
     * How the database is opened.
     *
     * @param statementBudget the most SQLite virtual machine steps one statement may take: stamped on the entries
     *                        this node proposes (each entry is applied with its own) and applied to reads here
     */
    public record Options(int readers, boolean foreignKeys, long statementBudget) {
        public Options {
            if (statementBudget < StatementGuard.STEPS_PER_CALL) {
                throw new IllegalArgumentException("the statement budget must be at least "
                        + StatementGuard.STEPS_PER_CALL + " steps");
            }
        }

        public static Options defaults() {
            return new Options(Math.max(4, Runtime.getRuntime().availableProcessors() * 2), false,
                    LogEntry.DEFAULT_STATEMENT_BUDGET);
        }
    }

    private final Path file;
    private final Options options;
    private final StatementPolicy policy = new StatementPolicy();
    private final DeterministicFunctions functions;
    private final Connection writer;
    private final StatementRunner writes;
    private final PreparedStatement saveApplied;
    private final Path loadFile;
    private PreparedStatement resetCounters;
    private PreparedStatement clearCounters;
    private final BlockingQueue<StatementRunner> readers;
    private final List<StatementRunner> allReaders = new ArrayList<>();
    /** Compiles statements to classify them, apart from the pooled readers. */
    private final Connection inspector;
    private final Checkpointer checkpointer;

    /** Entries applied in the open SQLite transaction, kept to re-apply them if SQLite rolls the transaction back. */
    private final List<PendingEntry> uncommitted = new ArrayList<>();
    private boolean inTransaction;
    /** How far the image of an unfinished {@code /db/load} has been staged; stored with the applied index. */
    private LoadProgress load;
    private long appliedIndex;
    private long appliedTerm;
    private long durableIndex;
    /** Set when the node shuts down: running statements stop, and applying stops with them. */
    private volatile boolean stopping;

    private SqliteDatabase(Path file, Options options) throws SQLException {
        this.file = file;
        this.options = options;
        this.functions = new DeterministicFunctions();
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(options.foreignKeys());
        config.setBusyTimeout(10_000);
        config.setGetGeneratedKeys(false); // we read last_insert_rowid() once, not after every statement
        this.writer = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        ((SQLiteConnection) writer).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
        functions.register(writer);
        try (java.sql.Statement s = writer.createStatement()) {
            // Checkpoints run on their own thread (see Checkpointer), not inside the applier's commits.
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("PRAGMA cache_size = -16384"); // 16 MB of pages for the writer; readers keep the default 2 MB
            createStateTable(s, 0, 0, true);
            // Marks the open write transaction: if SQLite rolls it back (ON CONFLICT ROLLBACK, RAISE(ROLLBACK)),
            // the row disappears with it.
            s.execute("CREATE TEMP TABLE halite_open_transaction(x)");
            s.execute("CREATE TEMP TABLE halite_counters(x)");
            try (ResultSet rs = s.executeQuery(
                    "SELECT applied_index, applied_term, load_id, load_sequence, load_bytes FROM " + STATE_TABLE)) {
                rs.next();
                appliedIndex = rs.getLong(1);
                appliedTerm = rs.getLong(2);
                durableIndex = appliedIndex;
                load = new LoadProgress(rs.getLong(3), rs.getInt(4), rs.getLong(5));
            }
        }
        policy.protectStateTable(stateTableRootPage());
        this.writes = new StatementRunner(writer, policy, StatementPolicy.Mode.WRITE, options.statementBudget(),
                () -> stopping);
        this.saveApplied = writer.prepareStatement(
                "UPDATE " + STATE_TABLE + " SET applied_index = ?, applied_term = ? WHERE id = 1");
        this.loadFile = Path.of(file + ".load");
        this.inspector = openReader();
        this.checkpointer = new Checkpointer(file);
        this.readers = new ArrayBlockingQueue<>(options.readers());
        for (int i = 0; i < options.readers(); i++) {
            StatementRunner reader = new StatementRunner(openReader(), policy, StatementPolicy.Mode.READ,
                    options.statementBudget(), () -> stopping);
            allReaders.add(reader);
            readers.add(reader);
        }
    }

    public static SqliteDatabase open(Path file, Options options) throws SQLException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new SQLException("cannot create directory for " + file, e);
        }
        return new SqliteDatabase(file, options);
    }

    private Connection openReader() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setOpenMode(SQLiteOpenMode.READONLY);
        config.resetOpenMode(SQLiteOpenMode.READWRITE);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setGetGeneratedKeys(false);
        config.setBusyTimeout(10_000);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        ((SQLiteConnection) c).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
        return c;
    }

    public Path file() {
        return file;
    }

    public synchronized long appliedIndex() {
        return appliedIndex;
    }

    public synchronized long appliedTerm() {
        return appliedTerm;
    }

    /** The highest applied index known to be on disk (fsynced). */
    public synchronized long durableIndex() {
        return durableIndex;
    }

    // ---- writer side: called only by the log applier ----

    /**
     * Applies one log entry of either kind ({@link #apply} or {@link #applyLoadChunk}) and returns its results; a
     * refused load answers with one failed result.
     */
    public List<List<StatementResult>> applyEntry(long index, long term, LogEntry entry)
            throws SQLException, IOException {
        if (entry instanceof LogEntry.Requests requests) {
            return apply(index, term, requests);
        }
        String refusal = applyLoadChunk(index, term, (LogEntry.LoadChunk) entry);
        return List.of(refusal == null ? List.of() : List.of(StatementResult.Failed.refused("load refused: " + refusal, 0)));
    }

    /**
     * Applies one entry of requests inside the open SQLite transaction (starting one if needed) and returns each
     * request's results. Visible to readers only after {@link #commit()}. A {@link LogEntry.Transaction} whose base
     * is no longer the last applied entry is refused as a whole: its results are an empty list.
     */
    public List<List<StatementResult>> apply(long index, long term, LogEntry.Requests batch) throws SQLException {
        try {
            return applyInOpenTransaction(index, term, batch);
        } catch (NodeStoppingException e) {
            abandonOpenTransaction();
            throw e;
        }
    }

    private List<List<StatementResult>> applyInOpenTransaction(long index, long term, LogEntry.Requests batch)
            throws SQLException {
        PendingEntry entry = new PendingEntry(index, term, batch, appliedIndex());
        beginIfNeeded();
        uncommitted.add(entry);
        TransactionLost lost = applyPending(entry);
        while (lost != null) {
            // SQLite undid the whole transaction: redo every entry of it, with the statement that caused it
            // failed as it failed (unless its verdict must first be made exact by running it again).
            if (lost.conclusive()) {
                lost.entry().forcedResults.put(statementKey(lost.request(), lost.statement()), lost.result());
            }
            inTransaction = false;
            beginIfNeeded();
            lost = null;
            for (PendingEntry pending : uncommitted) {
                lost = applyPending(pending);
                if (lost != null) {
                    break;
                }
            }
        }
        return entry.results;
    }

    /**
     * Stops the statements running on this database's connections (reads fail, and applying an entry fails with
     * {@link NodeStoppingException}), so that a shutdown never waits for a long statement. Called once, when the
     * node stops; nothing is applied afterwards.
     */
    public void stopStatements() {
        stopping = true;
    }

    /** Rolls back everything applied since the last commit: those entries are applied again at the next start. */
    private void abandonOpenTransaction() throws SQLException {
        if (inTransaction && transactionStillOpen()) {
            execute("ROLLBACK");
        }
        inTransaction = false;
        uncommitted.clear();
        try (java.sql.Statement s = writer.createStatement();
             ResultSet rs = s.executeQuery("SELECT applied_index, applied_term FROM " + STATE_TABLE)) {
            rs.next();
            synchronized (this) {
                appliedIndex = rs.getLong(1);
                appliedTerm = rs.getLong(2);
            }
        }
    }

    /** Ends the open SQLite transaction, making applied entries visible to readers. */
    public void commit() throws SQLException {
        if (!inTransaction) {
            return;
        }
        try (java.sql.Statement s = writer.createStatement()) {
            s.execute("DELETE FROM temp.halite_open_transaction");
            s.execute("COMMIT");
        } catch (SQLException e) {
            throw new NodeFailureException("cannot commit applied entries", e);
        }
        inTransaction = false;
        uncommitted.clear();
    }

    /** Makes every committed entry durable (one fsync of the WAL) and returns the durable applied index. */
    public long syncDurable() throws SQLException {
        commit();
        try (java.sql.Statement s = writer.createStatement()) {
            s.execute("PRAGMA synchronous = FULL");
            try {
                s.execute("BEGIN IMMEDIATE");
                s.execute("UPDATE " + STATE_TABLE + " SET applied_index = applied_index WHERE id = 1");
                s.execute("COMMIT");
            } finally {
                s.execute("PRAGMA synchronous = NORMAL");
            }
        }
        synchronized (this) {
            durableIndex = appliedIndex;
            return durableIndex;
        }
    }

    /**
     * Replaces the whole database with the SQLite file at {@code image}, atomically for readers, and records
     * {@code index} as applied in the new content. The image file is modified (its state table is set).
     */
    private void replaceWith(Path image, long index, long term) throws SQLException {
        swapIn(image, s -> {
            s.execute("DROP TABLE IF EXISTS " + STATE_TABLE);
            createStateTable(s, index, term, false);
        });
        synchronized (this) {
            appliedIndex = index;
            appliedTerm = term;
        }
    }

    /**
     * Replaces the whole database with a copy of another replica's database (a snapshot shipped from the
     * leader), which says itself which log index it holds.
     *
     * @return the applied {term, index} of the installed copy
     */
    public long[] installReplica(Path image) throws SQLException {
        long[] termIndex = new long[2];
        swapIn(image, s -> {
            ImageState state = stateOf(s);
            if (state.midLoad()) {
                // The chunks staged before the copy was taken exist only on the leader.
                throw new SQLException("the copy was taken in the middle of a load; it must be fetched again");
            }
            termIndex[0] = state.appliedTerm();
            termIndex[1] = state.appliedIndex();
        });
        synchronized (this) {
            appliedTerm = termIndex[0];
            appliedIndex = termIndex[1];
        }
        // Ratis continues the log after this index: the copy must be on disk before it does.
        syncDurable();
        return termIndex;
    }

    private interface ImageEdit {
        void apply(java.sql.Statement image) throws SQLException;
    }

    /** Checks the image, prepares it ({@code edit}), and copies it over the database with SQLite's backup API. */
    private void swapIn(Path image, ImageEdit edit) throws SQLException {
        commit();
        try (Connection staged = DriverManager.getConnection("jdbc:sqlite:" + image);
             java.sql.Statement s = staged.createStatement()) {
            checkImage(s);
            s.execute("PRAGMA journal_mode = DELETE");
            int pageSize = pageSize(staged);
            if (pageSize != pageSize(writer)) {
                // The backup API cannot copy into a WAL database of another page size; rebuild the image to match.
                s.execute("PRAGMA page_size = " + pageSize(writer));
                s.execute("VACUUM");
            }
            edit.apply(s);
        }
        ((SQLiteConnection) writer).getDatabase().restore("main", image.toString(), null, 100, 100, -1);
        policy.protectStateTable(stateTableRootPage());
    }

    /**
     * Applies one chunk of a {@code /db/load} image: chunks are appended to a staging file beside the database
     * (fsynced, with the progress stored in the same transaction as the applied index, so a restart resumes
     * exactly); the last chunk swaps the image in. A damaged image is refused the same way on every replica.
     *
     * @return null, or why the load was refused
     */
    public String applyLoadChunk(long index, long term, LogEntry.LoadChunk chunk) throws SQLException, IOException {
        beginIfNeeded();
        if (chunk.sequence() == 0) {
            load = new LoadProgress(chunk.loadId(), 0, 0);
        } else if (load.loadId() != chunk.loadId() || load.nextSequence() != chunk.sequence()) {
            saveApplied(index, term); // a chunk of a load superseded by a newer one
            return "superseded by another load";
        }
        try (var channel = java.nio.channels.FileChannel.open(loadFile, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            channel.truncate(load.bytes());
            channel.position(load.bytes());
            var buffer = java.nio.ByteBuffer.wrap(chunk.data());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        load = new LoadProgress(chunk.loadId(), chunk.sequence() + 1, load.bytes() + chunk.data().length);
        if (!chunk.last()) {
            saveLoadProgress();
            saveApplied(index, term);
            return null;
        }
        String refusal = null;
        try {
            replaceWith(loadFile, index, term);
        } catch (SQLException e) {
            refusal = SqliteErrors.message(e);
            beginIfNeeded();
            saveApplied(index, term);
        }
        load = new LoadProgress(0, 0, 0);
        saveLoadProgress();
        Files.deleteIfExists(loadFile);
        return refusal;
    }

    private void saveLoadProgress() throws SQLException {
        beginIfNeeded();
        try (PreparedStatement ps = writer.prepareStatement(
                "UPDATE " + STATE_TABLE + " SET load_id = ?, load_sequence = ?, load_bytes = ? WHERE id = 1")) {
            ps.setLong(1, load.loadId());
            ps.setInt(2, load.nextSequence());
            ps.setLong(3, load.bytes());
            ps.executeUpdate();
        }
    }

    private static void createStateTable(java.sql.Statement s, long index, long term, boolean ifMissing)
            throws SQLException {
        s.execute("CREATE TABLE " + (ifMissing ? "IF NOT EXISTS " : "") + STATE_TABLE
                + "(id INTEGER PRIMARY KEY CHECK (id = 1), applied_index INTEGER NOT NULL, applied_term INTEGER NOT NULL,"
                + " load_id INTEGER NOT NULL DEFAULT 0, load_sequence INTEGER NOT NULL DEFAULT 0,"
                + " load_bytes INTEGER NOT NULL DEFAULT 0)");
        s.execute("INSERT OR IGNORE INTO " + STATE_TABLE + "(id, applied_index, applied_term) VALUES (1, "
                + index + ", " + term + ")");
    }

    private record LoadProgress(long loadId, int nextSequence, long bytes) {}

    /** The log position a database image (a copy of a replica's database) holds. */
    public record ImageState(long appliedIndex, long appliedTerm, boolean midLoad) {}

    public static ImageState stateOf(Path image) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image, config.toProperties());
             java.sql.Statement s = c.createStatement()) {
            return stateOf(s);
        }
    }

    private static ImageState stateOf(java.sql.Statement image) throws SQLException {
        try (ResultSet rs = image.executeQuery("SELECT applied_index, applied_term, load_id FROM " + STATE_TABLE)) {
            if (!rs.next()) {
                throw new SQLException("the copy has no applied index");
            }
            return new ImageState(rs.getLong(1), rs.getLong(2), rs.getLong(3) != 0);
        }
    }

    /**
     * Checks that {@code image} is a SQLite database that passes {@code PRAGMA quick_check}.
     *
     * @throws SQLException saying what is wrong with it
     */
    public static void checkImage(Path image) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image, config.toProperties());
             java.sql.Statement s = c.createStatement()) {
            checkImage(s);
        }
    }

    private static void checkImage(java.sql.Statement s) throws SQLException {
        String verdict;
        try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            verdict = rs.next() ? rs.getString(1) : "no result";
        } catch (SQLException e) {
            throw new SQLException("not a valid SQLite database: " + SqliteErrors.message(e), e);
        }
        if (!"ok".equals(verdict)) {
            throw new SQLException("the database image is damaged: " + verdict);
        }
    }

    private int stateTableRootPage() throws SQLException {
        try (java.sql.Statement s = writer.createStatement();
             ResultSet rs = s.executeQuery("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = '"
                     + STATE_TABLE + "'")) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    private static int pageSize(Connection c) throws SQLException {
        try (java.sql.Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA page_size")) {
            return rs.next() ? rs.getInt(1) : 4096;
        }
    }

    private void beginIfNeeded() throws SQLException {
        if (inTransaction) {
            return;
        }
        try (java.sql.Statement s = writer.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            s.execute("INSERT INTO temp.halite_open_transaction VALUES (1)");
        }
        inTransaction = true;
    }

    /**
     * Applies one entry in the open transaction.
     *
     * @return null, or how SQLite rolled back the whole open transaction while applying it
     */
    private TransactionLost applyPending(PendingEntry entry) throws SQLException {
        LogEntry.Requests batch = entry.batch;
        if (batch instanceof LogEntry.Transaction transaction && transaction.baseIndex() != entry.previousIndex) {
            entry.results = List.of();
            saveApplied(entry.index, entry.term);
            return null;
        }
        functions.pin(batch.stampMillis(), batch.seed());
        resetCounters();
        writes.budget(batch.statementBudget());
        entry.results = new ArrayList<>(batch.requests().size());
        for (int r = 0; r < batch.requests().size(); r++) {
            try {
                entry.results.add(runRequest(r, batch.requests().get(r), null, entry.forcedResults));
            } catch (RolledBack e) {
                return new TransactionLost(entry, r, e);
            }
        }
        saveApplied(entry.index, entry.term);
        return null;
    }

    private static long statementKey(int request, int statement) {
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
    private List<StatementResult> runRequest(int r, Request request, List<Statement> writesSeen,
                                             Map<Long, StatementResult> forced) throws SQLException, RolledBack {
        List<Statement> statements = request.statements();
        List<StatementResult> results = new ArrayList<>(statements.size());
        if (request.transaction()) {
            execute("SAVEPOINT halite_request");
        }
        for (int s = 0; s < statements.size(); s++) {
            Statement statement = statements.get(s);
            if (writesSeen == null) {
                functions.beginStatement(r, s);
            } else {
                functions.beginStatement(r, writesSeen.size());
                if (writesOnWriter(statement.sql())) {
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
                if (stopping) {
                    throw new NodeStoppingException(); // whatever this statement did, it is not to be recorded
                }
            }
            results.add(result);
            if (result instanceof StatementResult.Failed) {
                if (!transactionStillOpen()) {
                    throw new RolledBack(s, result, !writes.stopUncertain());
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
    private static final class RolledBack extends Exception {
        final int statement;
        final StatementResult.Failed result;
        final boolean conclusive;

        RolledBack(int statement, StatementResult result, boolean conclusive) {
            super(null, null, false, false);
            this.statement = statement;
            this.result = (StatementResult.Failed) result;
            this.conclusive = conclusive;
        }
    }

    /**
     * Sets last_insert_rowid() and changes() to 0 before each entry: otherwise they would carry over this
     * connection's history, which differs between replicas (and across a restart), into the entry's statements.
     */
    private void resetCounters() throws SQLException {
        if (resetCounters == null) {
            resetCounters = writer.prepareStatement("INSERT INTO temp.halite_counters(rowid) VALUES (0)");
            clearCounters = writer.prepareStatement("DELETE FROM temp.halite_counters WHERE rowid < 0");
        }
        resetCounters.executeUpdate();
        try (java.sql.Statement s = writer.createStatement()) {
            s.execute("DELETE FROM temp.halite_counters");
        }
        clearCounters.executeUpdate();
    }

    private boolean transactionStillOpen() throws SQLException {
        try (java.sql.Statement s = writer.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM temp.halite_open_transaction")) {
            return rs.next() && rs.getLong(1) == 1;
        }
    }

    private void saveApplied(long index, long term) throws SQLException {
        saveApplied.setLong(1, index);
        saveApplied.setLong(2, term);
        saveApplied.executeUpdate();
        synchronized (this) {
            appliedIndex = index;
            appliedTerm = term;
        }
    }

    private void execute(String sql) throws SQLException {
        try (java.sql.Statement s = writer.createStatement()) {
            s.execute(sql);
        }
    }

    // ---- interactive transactions: run ahead of the log on the writer ----

    /**
     * Starts running an interactive transaction on the writer connection, ahead of the log: its statements see the
     * database as applied so far plus the transaction's own writes, with time and randomness pinned to
     * {@code stampMillis} and {@code seed}. Only the thread that applies the log may call this, and it may apply
     * nothing until {@link Speculation#end()}; the caller arranges that (the state machine's writer lease).
     */
    public Speculation speculate(long stampMillis, long seed) throws SQLException {
        commit();
        beginIfNeeded();
        functions.pin(stampMillis, seed);
        resetCounters();
        writes.budget(options.statementBudget());
        return new Speculation(stampMillis, seed, appliedIndex());
    }

    /** SQLite rolled back a whole interactive transaction (ON CONFLICT ROLLBACK, RAISE(ROLLBACK)). */
    public static final class SpeculationLost extends Exception {
        SpeculationLost(String message) {
            super(message);
        }
    }

    /**
     * An interactive transaction running on the writer. It records the write statements it ran, numbered as a
     * {@link LogEntry.Transaction} entry will number them when it is applied, so that replaying that entry on the
     * same base computes exactly what the transaction saw (random values included). Read statements run too (they
     * see the transaction's writes) but are not recorded.
     */
    public final class Speculation {
        private final long stampMillis;
        private final long seed;
        private final long baseIndex;
        private final List<Request> recorded = new ArrayList<>();
        private boolean open = true;

        private Speculation(long stampMillis, long seed, long baseIndex) {
            this.stampMillis = stampMillis;
            this.seed = seed;
            this.baseIndex = baseIndex;
        }

        /** The applied index the transaction runs on. */
        public long baseIndex() {
            return baseIndex;
        }

        /**
         * Runs one request in the transaction. Statements fail on their own, as in SQLite; a request with
         * {@code transaction} is all or nothing within the interactive transaction.
         *
         * @throws SpeculationLost if SQLite rolled the whole transaction back; it is over
         */
        public List<StatementResult> run(Request request) throws SQLException, SpeculationLost {
            if (!open) {
                throw new IllegalStateException("the transaction has ended");
            }
            List<Statement> requestWrites = new ArrayList<>();
            List<StatementResult> results;
            try {
                results = runRequest(recorded.size(), request, requestWrites, Map.of());
            } catch (RolledBack e) {
                open = false;
                inTransaction = false;
                throw new SpeculationLost("SQLite rolled back the transaction: " + e.result.error());
            } catch (NodeStoppingException e) {
                end();
                throw new SpeculationLost(e.getMessage());
            }
            boolean undone = request.transaction() && !results.isEmpty()
                    && results.get(results.size() - 1) instanceof StatementResult.Failed;
            if (!requestWrites.isEmpty() && !undone) {
                recorded.add(new Request(requestWrites, request.transaction()));
            }
            return results;
        }

        /** The entry that commits the transaction through the log, or null if it wrote nothing. */
        public LogEntry.Transaction entry() {
            return recorded.isEmpty() ? null
                    : new LogEntry.Transaction(stampMillis, seed, options.statementBudget(), baseIndex, recorded);
        }

        /** Undoes the transaction's work on the writer; what commits is the entry, applied like any other. */
        public void end() throws SQLException {
            if (!open) {
                return;
            }
            open = false;
            inTransaction = false;
            if (transactionStillOpen()) {
                execute("ROLLBACK");
            }
        }
    }

    private boolean writesOnWriter(String sql) {
        try {
            return policy.inspection(writer, sql).writes();
        } catch (SQLException e) {
            return false; // it does not compile, so it changes nothing
        }
    }

    // ---- read side ----

    /**
     * Whether the statement would change the database (SQLite's read-only judgement), or null if it does not compile
     * against this replica's schema.
     */
    public Boolean isWrite(String sql) {
        synchronized (inspector) {
            try {
                return policy.inspection(inspector, sql).writes();
            } catch (SQLException e) {
                return null;
            }
        }
    }

    /**
     * Runs a read-only request on a pooled connection; several statements share one read snapshot. Waiting for a
     * connection and running the statements take at most {@code timeout}: a statement still running then is
     * stopped and fails, and so does any later one that runs long, so no read holds a connection past it.
     *
     * @throws IllegalStateException if no read connection came free within the timeout
     */
    public List<StatementResult> query(Request request, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        StatementRunner reader = readers.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (reader == null) {
            throw new IllegalStateException("all " + options.readers() + " read connections stayed busy for "
                    + timeout.toMillis() + " ms");
        }
        reader.deadline(deadline);
        try (java.sql.Statement control = reader.connection().createStatement()) {
            boolean snapshot = request.statements().size() > 1;
            if (snapshot) {
                control.execute("BEGIN");
            }
            List<StatementResult> results = new ArrayList<>(request.statements().size());
            try {
                for (Statement statement : request.statements()) {
                    results.add(reader.run(statement));
                }
            } finally {
                if (snapshot) {
                    control.execute("COMMIT");
                }
            }
            return results;
        } catch (SQLException e) {
            throw new IllegalStateException("read connection failed: " + SqliteErrors.message(e), e);
        } finally {
            reader.noDeadline();
            readers.add(reader);
        }
    }

    /**
     * Tries, before a write request is proposed, the statements of it that only read and compile here, on a read
     * connection: one that its budget stops would be stopped on every replica too, so the request need not reach
     * the log. Writes cannot be tried ahead; they are stopped as they are applied.
     *
     * @return null if the request may be proposed, else its results: the stopped statement's failure, and every
     *         other statement marked as not run
     */
    public List<StatementResult> refuseOverBudget(Request request) throws InterruptedException {
        List<Statement> statements = request.statements();
        for (int i = 0; i < statements.size(); i++) {
            if (!Boolean.FALSE.equals(isWrite(statements.get(i).sql()))) {
                continue;
            }
            StatementResult result = tryRead(statements.get(i));
            if (result instanceof StatementResult.Failed failed && failed.code() == SqliteErrors.INTERRUPT) {
                List<StatementResult> results = new ArrayList<>(statements.size());
                for (int j = 0; j < statements.size(); j++) {
                    results.add(j == i ? failed : StatementResult.Failed.refused("not run: statement " + (i + 1)
                            + " of the request exceeds its budget, so the request was refused before it reached "
                            + "the log", 0));
                }
                return results;
            }
        }
        return null;
    }

    /** Runs a read on a pooled connection, or returns null if none comes free soon (the try is only a prediction). */
    private StatementResult tryRead(Statement statement) throws InterruptedException {
        StatementRunner reader = readers.poll(1, TimeUnit.SECONDS);
        if (reader == null) {
            return null;
        }
        try {
            return reader.run(statement);
        } finally {
            readers.add(reader);
        }
    }

    /**
     * Writes a consistent copy of the database to {@code target} using SQLite's online backup API from one read
     * snapshot. Writers keep going meanwhile; memory use does not grow with the database size.
     */
    public void backupTo(Path target) throws SQLException {
        try (Connection c = openReader()) {
            int rc = ((SQLiteConnection) c).getDatabase().backup("main", target.toString(), null, 100, 100, -1);
            if (rc != 0) {
                throw new SQLException("backup failed with SQLite result code " + rc);
            }
        }
    }

    /** Streams a consistent copy of the database (see {@link #backupTo}) through a temporary file. */
    public void backupTo(OutputStream out, Path tempDir) throws SQLException, IOException {
        Path copy = Files.createTempFile(tempDir, "backup-", ".sqlite");
        try {
            backupTo(copy);
            try (var in = Files.newInputStream(copy, StandardOpenOption.READ)) {
                in.transferTo(out);
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Writes the database as SQL text (see {@link SqlDumpWriter}), from one read snapshot. */
    public void dumpTo(java.io.Writer out) throws SQLException, IOException {
        try (Connection c = openReader()) {
            SqlDumpWriter.write(c, out);
        }
    }

    /** Bytes on disk: the database file plus its WAL. */
    public long sizeOnDisk() {
        long size = 0;
        for (String suffix : new String[] {"", "-wal"}) {
            try {
                size += Files.size(Path.of(file + suffix));
            } catch (IOException ignored) {
                // the WAL may not exist between checkpoints
            }
        }
        return size;
    }

    public String sqliteVersion() {
        try (java.sql.Statement s = allReaders.get(0).connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT sqlite_version()")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            return "";
        }
    }

    /**
     * A SHA-256 over the schema and every row of every table (in rowid or primary-key order): equal on replicas
     * that hold the same content, whatever their file layout.
     */
    public String checksum() throws SQLException {
        return contentChecksum().sha256();
    }

    /** A content checksum and the applied log index it corresponds to, both read from one snapshot. */
    public record Checksum(long appliedIndex, String sha256) {}

    /** See {@link #checksum()}; also returns the applied index of the snapshot the checksum was taken from. */
    public Checksum contentChecksum() throws SQLException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long index;
        try (Connection c = openReader(); java.sql.Statement s = c.createStatement()) {
            s.execute("BEGIN");
            try (ResultSet rs = s.executeQuery("SELECT applied_index FROM " + STATE_TABLE)) {
                index = rs.next() ? rs.getLong(1) : 0;
            }
            List<String[]> objects = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(
                    "SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")) {
                while (rs.next()) {
                    objects.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] object : objects) {
                update(digest, object[0] + "\0" + object[1] + "\0" + object[2] + "\0");
                if (!object[0].equals("table") || object[1].startsWith("sqlite_stat")) {
                    continue;
                }
                String quoted = "\"" + object[1].replace("\"", "\"\"") + "\"";
                String order = hasRowid(s, object[1]) ? " ORDER BY rowid" : "";
                try (ResultSet rows = s.executeQuery("SELECT * FROM " + quoted + order)) {
                    int n = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        for (int i = 1; i <= n; i++) {
                            Object v = rows.getObject(i);
                            String tag = v == null ? "n" : v instanceof byte[] ? "b" : v instanceof Number ? "#" : "s";
                            update(digest, tag);
                            if (v instanceof byte[] b) {
                                digest.update(b);
                            } else if (v != null) {
                                update(digest, v.toString());
                            }
                            digest.update((byte) 0);
                        }
                    }
                }
            }
            s.execute("COMMIT");
        }
        return new Checksum(index, HexFormat.of().formatHex(digest.digest()));
    }

    private static boolean hasRowid(java.sql.Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = '"
                + table.replace("'", "''") + "'")) {
            return rs.next() && rs.getInt(1) == 0;
        }
    }

    private static void update(MessageDigest digest, String s) {
        digest.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws SQLException {
        try {
            commit();
        } finally {
            checkpointer.close();
            writes.close();
            for (StatementRunner reader : allReaders) {
                reader.close();
                reader.connection().close();
            }
            saveApplied.close();
            inspector.close();
            writer.close();
            functions.close();
        }
    }

    /** An entry applied in the open transaction, with results it must keep if re-applied. */
    private static final class PendingEntry {
        final long index;
        final long term;
        final LogEntry.Requests batch;
        /** The applied index before this entry: what a transaction entry must find (kept for a re-apply). */
        final long previousIndex;
        /** Statements that SQLite's rollback of the whole transaction showed to fail, by {@link #statementKey}. */
        final Map<Long, StatementResult> forcedResults = new HashMap<>();
        List<List<StatementResult>> results;

        PendingEntry(long index, long term, LogEntry.Requests batch, long previousIndex) {
            this.index = index;
            this.term = term;
            this.batch = batch;
            this.previousIndex = previousIndex;
        }
    }

    /** SQLite rolled back the whole open transaction while applying request {@code request} of {@code entry}. */
    private record TransactionLost(PendingEntry entry, int request, int statement, StatementResult result,
                                   boolean conclusive) {
        TransactionLost(PendingEntry entry, int request, RolledBack cause) {
            this(entry, request, cause.statement, cause.result, cause.conclusive);
        }
    }
}
