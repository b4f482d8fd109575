package io.halite.core.engine;

import io.halite.core.sql.SqlLexer;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sqlite.SQLiteConnection;

/**
 * Runs statements on one connection, keeping its prepared statements for reuse. Owned by one thread at a time.
 */
final class StatementRunner implements AutoCloseable {
    private static final int STATEMENT_CACHE_SIZE = 256;

    private final Connection connection;
    private final StatementPolicy policy;
    private final StatementPolicy.Mode mode;
    private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() > STATEMENT_CACHE_SIZE) {
                closeQuietly(eldest.getValue());
                return true;
            }
            return false;
        }
    };
    private final StatementGuard guard;
    private PreparedStatement lastInsertRowid;
    /** Whether the last statement was stopped by its budget although it was prepared before that run. */
    private boolean stopUncertain;

    StatementRunner(Connection connection, StatementPolicy policy, StatementPolicy.Mode mode, long budgetSteps,
                    java.util.function.BooleanSupplier shuttingDown) throws SQLException {
        this.connection = connection;
        this.policy = policy;
        this.mode = mode;
        this.guard = StatementGuard.installOn(connection, shuttingDown);
        guard.budget(budgetSteps);
    }

    Connection connection() {
        return connection;
    }

    /** The most SQLite virtual machine steps each statement may take from now on. */
    void budget(long steps) {
        guard.budget(steps);
    }

    /** Stops statements still running at {@code nanoTime}, until {@link #noDeadline()}. */
    void deadline(long nanoTime) {
        guard.deadline(nanoTime);
    }

    void noDeadline() {
        guard.noDeadline();
    }

    /**
     * Whether the last statement was stopped by its budget in a run whose step count is not exact (see
     * {@link StatementGuard}): it may have been just within budget. The statement is no longer cached, so running
     * it again gives the exact verdict, the one every replica reaches.
     */
    boolean stopUncertain() {
        return stopUncertain;
    }

    /**
     * Runs one statement text. SQL errors become a {@link StatementResult.Failed}; the failing statement leaves no
     * trace (in a text of several, those before it have run).
     */
    StatementResult run(SqlStatement statement) {
        return run(statement, mode == StatementPolicy.Mode.READ);
    }

    /**
     * Runs one statement text; with {@code readOnly} a statement that would write is refused (a read sent through
     * the log on the writer connection). A text of several statements runs them all, as SQLite's own drivers do
     * (see {@link #runSeveral}).
     */
    StatementResult run(SqlStatement statement, boolean readOnly) {
        stopUncertain = false;
        List<String> pieces = SqlLexer.statements(statement.sql());
        return pieces.size() == 1 ? runOne(statement, readOnly) : runSeveral(statement, pieces, readOnly);
    }

    private StatementResult runOne(SqlStatement statement, boolean readOnly) {
        long start = System.nanoTime();
        boolean cached = false;
        try {
            String refusal = refusal(statement.sql(), readOnly);
            if (refusal != null) {
                return StatementResult.Failed.refused(refusal, seconds(start));
            }
            boolean writes = policy.inspection(connection, statement.sql()).writes();
            cached = prepared.containsKey(statement.sql());
            PreparedStatement ps = prepare(statement.sql());
            bind(ps, statement.sql(), statement.params(), statement.namedParams());
            guard.startStatement();
            try {
                return execute(ps, writes, start);
            } finally {
                guard.endStatement();
            }
        } catch (SQLException e) {
            // sqlite-jdbc can leave a prepared statement unusable after an error (e.g. one raised inside a
            // function): prepare it afresh next time, as a node with an empty cache would.
            evict(statement.sql());
            return failure(e, cached, start);
        } catch (IllegalArgumentException e) {
            return StatementResult.Failed.refused(e.getMessage(), seconds(start));
        }
    }

    /**
     * Runs the statements of one text in order, as mattn/go-sqlite3 (rqlite's driver) does: positional values are
     * taken in order, each statement as many as it has parameters; named values apply to every statement. The
     * result is the last statement's; the first that fails ends the text with its failure, and the statements before
     * it have run (a {@code transaction} request then rolls back whole). Before any runs, every statement that
     * compiles is judged by the policy and the values are counted, so a refused text changes nothing. The budget
     * bounds the text as a whole; its statements are prepared afresh (not cached), so the step count is exact and
     * a stop is the same verdict on every replica.
     */
    private StatementResult runSeveral(SqlStatement statement, List<String> pieces, boolean readOnly) {
        long start = System.nanoTime();
        try {
            String problem = valuesProblem(statement, pieces);
            if (problem != null) {
                return StatementResult.Failed.refused(problem, seconds(start));
            }
            for (String piece : pieces) {
                String refusal;
                try {
                    refusal = refusal(piece, readOnly);
                } catch (SQLException e) {
                    continue; // it may need what an earlier statement creates: judged when its turn comes
                }
                if (refusal != null) {
                    return StatementResult.Failed.refused(refusal, seconds(start));
                }
            }
            List<Object> params = statement.params();
            int nextValue = 0;
            StatementResult result = null;
            guard.startStatement();
            guard.pause();
            try {
                for (String piece : pieces) {
                    String refusal = refusal(piece, readOnly);
                    if (refusal != null) {
                        return StatementResult.Failed.refused(refusal, seconds(start));
                    }
                    boolean writes = policy.inspection(connection, piece).writes();
                    try (PreparedStatement ps = connection.prepareStatement(piece)) {
                        int count = ps.getParameterMetaData().getParameterCount();
                        List<Object> values = statement.namedParams().isEmpty()
                                ? params.subList(nextValue, Math.min(params.size(), nextValue + count)) : params;
                        bind(ps, piece, values, statement.namedParams());
                        nextValue += values.size();
                        guard.resume();
                        try {
                            result = execute(ps, writes, start);
                        } finally {
                            guard.pause();
                        }
                    }
                }
            } finally {
                guard.endStatement();
            }
            return result;
        } catch (SQLException e) {
            return failure(e, false, start);
        } catch (IllegalArgumentException e) {
            return StatementResult.Failed.refused(e.getMessage(), seconds(start));
        }
    }

    /** Why the statement may not run here, or null; throws if it does not compile. */
    private String refusal(String sql, boolean readOnly) throws SQLException {
        String refusal = policy.refusal(connection, sql, mode);
        if (refusal == null && readOnly && policy.inspection(connection, sql).writes()) {
            return "attempt to change database via query operation";
        }
        return refusal;
    }

    /**
     * Whether the values given fit the statements of a text, counted as SQLite numbers their parameters: null if
     * they do.
     */
    private static String valuesProblem(SqlStatement statement, List<String> pieces) {
        int slots = 0;
        for (String piece : pieces) {
            List<String> names = SqlLexer.parameterNames(piece);
            slots += names.size();
            for (String name : names) {
                if (!statement.namedParams().isEmpty() && (name == null || !statement.namedParams()
                        .containsKey(name.substring(1)) && !statement.namedParams().containsKey(name))) {
                    return name == null ? "statement mixes positional and named parameters"
                            : "missing value for named parameter " + name;
                }
            }
        }
        if (statement.namedParams().isEmpty() && slots != statement.params().size()) {
            return "statement has " + slots + " parameter(s) but " + statement.params().size()
                    + " value(s) were given";
        }
        return null;
    }

    /** Runs a prepared, bound statement while the guard counts its steps, and reads its result. */
    private StatementResult execute(PreparedStatement ps, boolean writes, long start) throws SQLException {
        long totalBefore = database().total_changes();
        if (ps.execute()) {
            return readRows(ps, writes, start);
        }
        // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE: report 0 for a statement
        // (such as DDL) that changed no rows itself.
        long affected = database().total_changes() == totalBefore ? 0 : database().changes();
        return new StatementResult.Exec(lastInsertRowid(), affected, seconds(start));
    }

    /** The result for a statement SQLite failed; {@code cached} if it was prepared before this run. */
    private StatementResult failure(SQLException e, boolean cached, long start) {
        if (mode == StatementPolicy.Mode.WRITE && SqliteErrors.isNodeFailure(e)) {
            throw new NodeFailureException("SQLite failed while applying the log", e);
        }
        if (SqliteErrors.primaryCode(e) == SqliteErrors.INTERRUPT) {
            StatementGuard.Stop stop = guard.stopped();
            if (stop == StatementGuard.Stop.BUDGET) {
                stopUncertain = cached;
                return new StatementResult.Failed("statement stopped: it took more than its budget of "
                        + guard.budget() + " SQLite steps", SqliteErrors.INTERRUPT, seconds(start));
            }
            if (stop == StatementGuard.Stop.DEADLINE) {
                return new StatementResult.Failed("statement stopped: it ran past the request's timeout",
                        SqliteErrors.INTERRUPT, seconds(start));
            }
            if (stop == StatementGuard.Stop.SHUTDOWN) {
                return new StatementResult.Failed("statement stopped: the node is shutting down",
                        SqliteErrors.INTERRUPT, seconds(start));
            }
        }
        return new StatementResult.Failed(SqliteErrors.message(e), SqliteErrors.primaryCode(e), seconds(start));
    }

    private StatementResult readRows(PreparedStatement ps, boolean writes, long start) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String> declared = new ArrayList<>();
        List<Object[]> rows = new ArrayList<>();
        try (ResultSet rs = ps.getResultSet()) {
            ResultSetMetaData meta = rs.getMetaData();
            int n = meta.getColumnCount();
            for (int i = 1; i <= n; i++) {
                columns.add(meta.getColumnLabel(i));
                declared.add(declaredType(ps, i - 1));
            }
            while (rs.next()) {
                Object[] row = new Object[n];
                for (int i = 0; i < n; i++) {
                    Object value = rs.getObject(i + 1);
                    row[i] = value instanceof Integer v ? Long.valueOf(v) : value;
                }
                rows.add(row);
            }
        }
        List<String> types = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            types.add(declared.get(i) != null ? declared.get(i) : valueType(rows, i));
        }
        if (!writes) {
            return new StatementResult.Rows(columns, types, rows, 0, 0, false, seconds(start));
        }
        long changes = database().changes();
        return new StatementResult.Rows(columns, types, rows, lastInsertRowid(), changes, true, seconds(start));
    }

    /**
     * The column's declared type as written in the schema (e.g. {@code varchar(255)}), lower-cased as rqlite reports
     * it, or null for a column without one. sqlite-jdbc's metadata drops the size and guesses from the value, so
     * this asks SQLite directly.
     */
    private static String declaredType(PreparedStatement ps, int column) throws SQLException {
        String declared = ((org.sqlite.core.CoreStatement) ps).pointer.safeRun((db, pointer) -> db.column_decltype(pointer, column));
        return declared == null || declared.isEmpty() ? null : declared.toLowerCase(Locale.ROOT);
    }

    /** For columns without a declared type: the storage class of the first row's value, as rqlite reports it. */
    private static String valueType(List<Object[]> rows, int column) {
        Object v = rows.isEmpty() ? null : rows.get(0)[column];
        if (v instanceof Long) return "integer";
        if (v instanceof Double) return "real";
        if (v instanceof String) return "text";
        if (v instanceof byte[]) return "blob";
        return "";
    }

    private org.sqlite.core.DB database() {
        return ((SQLiteConnection) connection).getDatabase();
    }

    private long lastInsertRowid() throws SQLException {
        if (lastInsertRowid == null) {
            lastInsertRowid = connection.prepareStatement("SELECT last_insert_rowid()");
        }
        // Outside the budget: this cached statement's steps reach a progress call at points that depend on how
        // often this connection ran it, so counting them could stop a finished statement on one replica only.
        guard.pause();
        try (ResultSet rs = lastInsertRowid.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        } finally {
            guard.resume();
        }
    }

    private void evict(String sql) {
        PreparedStatement ps = prepared.remove(sql);
        if (ps != null) {
            closeQuietly(ps);
        }
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            prepared.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    private static void bind(PreparedStatement ps, String sql, List<Object> params, Map<String, Object> named)
            throws SQLException {
        int expected = ps.getParameterMetaData().getParameterCount();
        if (!named.isEmpty()) {
            List<String> slots = SqlLexer.parameterNames(sql);
            for (int i = 0; i < slots.size() && i < expected; i++) {
                String slot = slots.get(i);
                if (slot == null) {
                    throw new IllegalArgumentException("statement mixes positional and named parameters");
                }
                String bare = slot.substring(1);
                Object value;
                if (named.containsKey(bare)) {
                    value = named.get(bare);
                } else if (named.containsKey(slot)) {
                    value = named.get(slot);
                } else {
                    throw new IllegalArgumentException("missing value for named parameter " + slot);
                }
                bindValue(ps, i + 1, value);
            }
            return;
        }
        if (params.size() != expected) {
            throw new IllegalArgumentException("statement has " + expected + " parameter(s) but "
                    + params.size() + " value(s) were given");
        }
        for (int i = 0; i < params.size(); i++) {
            bindValue(ps, i + 1, params.get(i));
        }
    }

    private static void bindValue(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, java.sql.Types.NULL);
        } else if (value instanceof Long v) {
            ps.setLong(index, v);
        } else if (value instanceof Double v) {
            ps.setDouble(index, v);
        } else if (value instanceof String v) {
            ps.setString(index, v);
        } else if (value instanceof byte[] v) {
            ps.setBytes(index, v);
        } else if (value instanceof Boolean v) {
            ps.setLong(index, v ? 1 : 0);
        } else {
            throw new IllegalArgumentException("unsupported parameter type " + value.getClass().getSimpleName());
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void closeQuietly(PreparedStatement ps) {
        try {
            ps.close();
        } catch (SQLException ignored) {
            // closing a cached statement cannot fail in a way the caller could act on
        }
    }

    @Override
    public void close() {
        prepared.values().forEach(StatementRunner::closeQuietly);
        prepared.clear();
        if (lastInsertRowid != null) {
            closeQuietly(lastInsertRowid);
        }
    }
}
