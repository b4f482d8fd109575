package io.halite.jdbc;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement: each execution is one request to the server, and its result (rows, or an update count) is read
 * whole. A batch is one atomic request: all its statements apply or none. After an INSERT,
 * {@link #getGeneratedKeys()} has one column {@code last_insert_rowid()}, or the key columns the application named
 * (by name or position), one row per inserted row, read through a {@code RETURNING} clause the driver appends.
 *
 * <p>{@code executeQuery} refuses statements that cannot return rows (INSERT, UPDATE, DELETE, DDL without
 * RETURNING) before sending them; one that unexpectedly returns none has run, and the exception says so.
 * {@code executeUpdate} and batches refuse queries (SELECT, VALUES, WITH ... SELECT).
 *
 * <p>SQL errors are {@link SQLException}s with SQLite's message and its primary result code as vendor code (0 for
 * statements Halite itself refuses); SQLState 23000 ({@link SQLIntegrityConstraintViolationException}) for constraint
 * violations, 42000 ({@link SQLSyntaxErrorException}) for SQLITE_ERROR (syntax, missing table or column), HY000
 * otherwise.
 */
public class HaliteStatement implements Statement {
    /** What an execute method expects of the statement's result. */
    enum Expect { ANY, ROWS, COUNT }

    final HaliteConnection connection;
    /** The generated key columns a prepared statement was made with (its batches' too); null for the rowid. */
    final GeneratedKeys.Columns preparedKeyColumns;
    private final List<Wire.Sql> batch = new ArrayList<>();
    private final List<SqlText> batchTexts = new ArrayList<>();
    private boolean closed;
    private boolean closeOnCompletion;
    private boolean poolable;
    private int queryTimeout;
    private long maxRows;
    private HaliteResultSet resultSet;
    private long updateCount = -1;
    private GeneratedKeys generatedKeys = GeneratedKeys.NONE;

    HaliteStatement(HaliteConnection connection) {
        this(connection, null);
    }

    HaliteStatement(HaliteConnection connection, GeneratedKeys.Columns preparedKeyColumns) {
        this.connection = connection;
        this.preparedKeyColumns = preparedKeyColumns;
    }

    void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("the statement is closed", "HY010");
        }
    }

    /** A statement that has no words (empty, or only comments) would be skipped by the server: refuse it. */
    static SqlText scanNonEmpty(String sql) throws SQLException {
        if (sql == null) {
            throw new SQLException("the SQL must not be null", "HY009");
        }
        SqlText text = SqlText.scan(sql);
        if (text.words().isEmpty()) {
            throw new SQLSyntaxErrorException("the statement is empty", "42000");
        }
        return text;
    }

    /** The SQL passed to an execute or addBatch method, scanned; a prepared statement refuses any (it has its own). */
    SqlText given(String sql) throws SQLException {
        return scanNonEmpty(sql);
    }

    /**
     * Runs one statement and keeps its result; returns whether the result is rows.
     *
     * @param keyColumns the generated key columns asked for, or null for the rowid
     */
    final boolean run(Wire.Sql sql, SqlText text, Expect expect, GeneratedKeys.Columns keyColumns)
            throws SQLException {
        checkOpen();
        clearResults();
        if (expect == Expect.ROWS && text.returnsNoRows()) {
            throw new SQLException("executeQuery needs a statement that returns rows, and " + text.leadingWord()
                    + " without RETURNING returns none: use executeUpdate or execute", "HY000");
        }
        if (expect == Expect.COUNT && text.isQuery()) {
            throw new SQLException("executeUpdate cannot run a query (" + text.leadingWord() + "): use executeQuery "
                    + "or execute", "HY000");
        }
        boolean returningKeys = keyColumns != null && keyColumns.appliesTo(text);
        Wire.Sql sent = returningKeys ? keyColumns.returning(sql, text) : sql;
        Wire.Result result = single(connection.execute(List.of(sent), false, text.isQuery(),
                connection.timeout(queryTimeout)));
        if (result.error() != null) {
            throw statementError(result);
        }
        if (returningKeys) {
            generatedKeys = keyColumns.keysOf(result);
            updateCount = result.rows().size(); // the RETURNING gives one row per inserted row
            return false;
        }
        if (result.hasRows()) {
            if (expect == Expect.COUNT) {
                if (!text.words().contains("RETURNING")) {
                    throw new SQLException("executeUpdate ran a statement that returned rows (" + text.leadingWord()
                            + "): use executeQuery or execute", "HY000");
                }
                updateCount = result.rows().size(); // a write's RETURNING gives one row per changed row
                return false;
            }
            List<Object[]> rows = maxRows > 0 && result.rows().size() > maxRows
                    ? result.rows().subList(0, (int) maxRows) : result.rows();
            resultSet = new HaliteResultSet(this, result.columns(), result.types(), rows);
            return true;
        }
        if (expect == Expect.ROWS) {
            throw new SQLException("the statement returned no rows; it has run (" + result.rowsAffected()
                    + " rows affected): use executeUpdate or execute for statements without results", "HY000");
        }
        updateCount = result.rowsAffected();
        generatedKeys = rowidKey(text, result);
        return false;
    }

    /** The rowid an INSERT assigned last, if it inserted rows. */
    private static GeneratedKeys rowidKey(SqlText text, Wire.Result result) {
        return text.isInsert() && result.rowsAffected() > 0
                ? GeneratedKeys.rowid(result.lastInsertId()) : GeneratedKeys.NONE;
    }

    private static Wire.Result single(Wire.Response response) throws SQLException {
        if (response.results().size() != 1) {
            throw new SQLException("the server sent " + response.results().size() + " results for one statement",
                    "08000");
        }
        return response.results().get(0);
    }

    /** The exception for a failed statement's result, by SQLite's primary result code. */
    static SQLException statementError(Wire.Result result) {
        int primary = result.errorCode() & 0xff;
        if (primary == 19) {
            return new SQLIntegrityConstraintViolationException(result.error(), "23000", result.errorCode());
        }
        if (primary == 1) {
            return new SQLSyntaxErrorException(result.error(), "42000", result.errorCode());
        }
        return new SQLException(result.error(), "HY000", result.errorCode());
    }

    final void addToBatch(Wire.Sql sql, SqlText text) throws SQLException {
        checkOpen();
        if (text.isQuery()) {
            throw new SQLException("a batch cannot hold a query (" + text.leadingWord() + ")", "HY000");
        }
        boolean returningKeys = preparedKeyColumns != null && preparedKeyColumns.appliesTo(text);
        batch.add(returningKeys ? preparedKeyColumns.returning(sql, text) : sql);
        batchTexts.add(text);
    }

    /** Sends the batch as one atomic request; the batch is empty afterwards whatever happens. */
    private long[] runBatch() throws SQLException {
        checkOpen();
        clearResults();
        List<Wire.Sql> sql = List.copyOf(batch);
        List<SqlText> texts = List.copyOf(batchTexts);
        clearBatch();
        if (sql.isEmpty()) {
            return new long[0];
        }
        Wire.Response response = connection.execute(sql, true, false, connection.timeout(queryTimeout));
        List<Wire.Result> results = response.results();
        long[] counts = new long[sql.size()];
        GeneratedKeys keys = GeneratedKeys.NONE;
        for (int i = 0; i < results.size(); i++) {
            Wire.Result result = results.get(i);
            if (result.error() != null) {
                SQLException cause = statementError(result);
                throw new BatchUpdateException("batch statement " + (i + 1) + " of " + sql.size() + " failed and "
                        + "nothing of the batch was applied: " + result.error(), cause.getSQLState(),
                        result.errorCode(), new int[0], cause);
            }
            counts[i] = result.hasRows() ? result.rows().size() : result.rowsAffected();
            // With key columns every execution's keys count; without, only the last rowid is known.
            if (preparedKeyColumns != null && preparedKeyColumns.appliesTo(texts.get(i))) {
                keys = keys.plus(preparedKeyColumns.keysOf(result));
            } else {
                keys = rowidKey(texts.get(i), result);
            }
        }
        if (results.size() != sql.size()) {
            throw new SQLException("the server sent " + results.size() + " results for a batch of " + sql.size(),
                    "08000");
        }
        generatedKeys = keys;
        return counts;
    }

    private void clearResults() {
        HaliteResultSet previous = resultSet;
        resultSet = null; // before closing it, so that closeOnCompletion does not close this statement
        if (previous != null) {
            previous.close();
        }
        updateCount = -1;
        generatedKeys = GeneratedKeys.NONE;
    }

    static void checkGeneratedKeysFlag(int autoGeneratedKeys) throws SQLException {
        if (autoGeneratedKeys != RETURN_GENERATED_KEYS && autoGeneratedKeys != NO_GENERATED_KEYS) {
            throw new SQLException("invalid autoGeneratedKeys value " + autoGeneratedKeys, "HY024");
        }
    }

    private static Wire.Sql plain(String sql) {
        return new Wire.Sql(sql, List.of());
    }

    // ------------------------------------------------------------------ executing SQL text

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        run(plain(sql), given(sql), Expect.ROWS, null);
        return resultSet;
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return saturatedInt(executeLargeUpdate(sql));
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return executeLargeUpdate(sql, (GeneratedKeys.Columns) null);
    }

    private long executeLargeUpdate(String sql, GeneratedKeys.Columns keyColumns) throws SQLException {
        run(plain(sql), given(sql), Expect.COUNT, keyColumns);
        return updateCount;
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        return run(plain(sql), given(sql), Expect.ANY, null);
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        checkGeneratedKeysFlag(autoGeneratedKeys);
        return executeUpdate(sql);
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        checkGeneratedKeysFlag(autoGeneratedKeys);
        return executeLargeUpdate(sql);
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        checkGeneratedKeysFlag(autoGeneratedKeys);
        return execute(sql);
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return saturatedInt(executeLargeUpdate(sql, columnIndexes));
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        return saturatedInt(executeLargeUpdate(sql, columnNames));
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return executeLargeUpdate(sql, GeneratedKeys.Columns.at(columnIndexes));
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        return executeLargeUpdate(sql, GeneratedKeys.Columns.named(columnNames));
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        return run(plain(sql), given(sql), Expect.ANY, GeneratedKeys.Columns.at(columnIndexes));
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        return run(plain(sql), given(sql), Expect.ANY, GeneratedKeys.Columns.named(columnNames));
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        addToBatch(plain(sql), given(sql));
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch.clear();
        batchTexts.clear();
    }

    @Override
    public int[] executeBatch() throws SQLException {
        long[] counts = runBatch();
        int[] ints = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            ints[i] = saturatedInt(counts[i]);
        }
        return ints;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        return runBatch();
    }

    private static int saturatedInt(long count) {
        return (int) Math.min(Integer.MAX_VALUE, count);
    }

    // ------------------------------------------------------------------ results

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return resultSet;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return saturatedInt(getLargeUpdateCount());
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return updateCount;
    }

    /** A statement has one result; moving past it closes the result set (unless told to keep it). */
    @Override
    public boolean getMoreResults() throws SQLException {
        return getMoreResults(CLOSE_CURRENT_RESULT);
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        checkOpen();
        HaliteResultSet previous = resultSet;
        resultSet = null;
        updateCount = -1;
        if (current != KEEP_CURRENT_RESULT && previous != null) {
            previous.close();
        }
        return false;
    }

    /**
     * After an INSERT that inserted rows: one row holding the rowid SQLite assigned last (after a batch, the last
     * execution's); or, when key columns were named, those columns of every inserted row (every execution's, after a
     * batch). Otherwise no rows.
     */
    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        checkOpen();
        return new HaliteResultSet(this, generatedKeys.columns(), generatedKeys.types(), generatedKeys.rows());
    }

    // ------------------------------------------------------------------ settings

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return queryTimeout;
    }

    /** The request timeout for this statement (and the server's {@code timeout}); 0 for the connection's. */
    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) {
            throw new SQLException("query timeout must not be negative", "HY024");
        }
        queryTimeout = seconds;
    }

    @Override
    public int getMaxRows() throws SQLException {
        return saturatedInt(getLargeMaxRows());
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        checkOpen();
        return maxRows;
    }

    /** Rows beyond the limit are dropped by the driver (the server still sends them). */
    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("max rows must not be negative", "HY024");
        }
        maxRows = max;
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        checkOpen();
        return 0;
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        if (max != 0) {
            throw new SQLFeatureNotSupportedException("a maximum field size is not supported");
        }
    }

    /** Every row arrives in one response: the fetch size has no effect. */
    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw new SQLException("fetch size must not be negative", "HY024");
        }
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return 0;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != ResultSet.FETCH_FORWARD) {
            throw new SQLFeatureNotSupportedException("only FETCH_FORWARD is supported");
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return ResultSet.FETCH_FORWARD;
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        checkOpen();
        return ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public int getResultSetType() throws SQLException {
        checkOpen();
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        checkOpen();
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    /** There are no JDBC escapes to process: the SQL is sent as written. */
    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        throw new SQLFeatureNotSupportedException("named cursors are not supported");
    }

    /**
     * Not supported: the HTTP API has no way to stop a request once sent, and closing the socket would only lose
     * the answer (a write would then be of unknown outcome). The query timeout is enforced by the server.
     */
    @Override
    public void cancel() throws SQLException {
        throw new SQLFeatureNotSupportedException("cancel is not supported: the server cannot stop a request once "
                + "sent; set a query timeout (setQueryTimeout), which the server enforces");
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        this.poolable = poolable;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        checkOpen();
        return poolable;
    }

    /** Called when a result set of this statement is closed: with closeOnCompletion, the statement closes too. */
    void resultSetClosed(HaliteResultSet closedResultSet) {
        if (closeOnCompletion && closedResultSet == resultSet) {
            close();
        }
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        checkOpen();
        return closeOnCompletion;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clearResults();
        batch.clear();
        batchTexts.clear();
        connection.forget(this);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return Wrapping.unwrap(this, iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
