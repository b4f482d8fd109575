package io.halite.jdbc;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * A connection to a Halite cluster: a keep-alive socket to the node it talks to, a current host that moves on
 * failover and redirects, and an optional server transaction.
 *
 * <p>With auto-commit on (the default) every statement, or batch, commits on its own. After
 * {@code setAutoCommit(false)} the first statement begins a transaction on the leader ({@code POST /db/tx}), and
 * every statement until {@link #commit()} or {@link #rollback()} runs in it, on that host. If the server aborts the
 * transaction (a conflicting write, its idle timeout, a leader change) the next statement or the commit throws
 * {@link SQLTransactionRollbackException} and the connection is out of the transaction.
 *
 * <p>Supported: statements and prepared statements (forward-only, read-only results, any holdability), the
 * SERIALIZABLE isolation level (lower levels are accepted and raised to it, as JDBC allows), read-only as a hint,
 * network timeout (the request timeout). Not supported: savepoints, callable statements, LOB factories, type maps.
 */
public final class HaliteConnection implements Connection {
    private final ClusterClient client;
    private final DriverOptions options;
    private final Set<HaliteStatement> statements = ConcurrentHashMap.newKeySet();
    private final Properties clientInfo = new Properties();
    private boolean autoCommit = true;
    private boolean readOnly;
    private boolean closed;
    private ClusterClient.Tx tx;
    /** The request timeout set through setNetworkTimeout; null for the URL's timeout. */
    private Duration networkTimeout;

    private HaliteConnection(ClusterClient client, DriverOptions options) {
        this.client = client;
        this.options = options;
    }

    /** Connects to the first host of the URL that answers. */
    static HaliteConnection open(DriverOptions options) throws SQLException {
        ClusterClient client = new ClusterClient(options);
        try {
            client.connect();
        } catch (SQLException e) {
            client.close();
            throw e;
        }
        return new HaliteConnection(client, options);
    }

    DriverOptions options() {
        return options;
    }

    /** The host this connection talks to now (the transaction's while one is open). */
    public synchronized String currentHost() {
        return tx != null ? tx.host() : client.currentHost();
    }

    /** The request timeout: the statement's query timeout if set, else the network timeout or the URL's. */
    Duration timeout(int queryTimeoutSeconds) {
        if (queryTimeoutSeconds > 0) {
            return Duration.ofSeconds(queryTimeoutSeconds);
        }
        return networkTimeout != null ? networkTimeout : options.timeout();
    }

    /**
     * Runs statements, in this connection's transaction if auto-commit is off (beginning one if needed).
     *
     * @param atomic all or nothing
     * @param read   whether every statement is surely a read, so that it may be retried on another host
     */
    synchronized Wire.Response execute(List<Wire.Sql> sql, boolean atomic, boolean read, Duration timeout)
            throws SQLException {
        checkOpen();
        if (autoCommit) {
            return client.execute(sql, atomic, read, timeout);
        }
        if (tx == null) {
            ClusterClient.Begun begun = client.begin(sql, atomic);
            tx = begun.tx();
            return begun.response();
        }
        try {
            return client.execute(tx, sql, atomic, timeout);
        } catch (SQLTransactionRollbackException e) {
            tx = null;
            throw e;
        }
    }

    void forget(HaliteStatement statement) {
        statements.remove(statement);
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("the connection is closed", "08003");
        }
    }

    private <T extends HaliteStatement> T track(T statement) {
        statements.add(statement);
        return statement;
    }

    private static void checkResultSetOptions(int type, int concurrency, int holdability) throws SQLException {
        if (type != ResultSet.TYPE_FORWARD_ONLY || concurrency != ResultSet.CONCUR_READ_ONLY) {
            throw new SQLFeatureNotSupportedException("only TYPE_FORWARD_ONLY, CONCUR_READ_ONLY result sets are "
                    + "supported");
        }
        if (holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT && holdability != ResultSet.CLOSE_CURSORS_AT_COMMIT) {
            throw new SQLException("invalid holdability " + holdability, "HY024");
        }
    }

    // ------------------------------------------------------------------ statements

    @Override
    public Statement createStatement() throws SQLException {
        checkOpen();
        return track(new HaliteStatement(this));
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        checkResultSetOptions(resultSetType, resultSetConcurrency, resultSetHoldability);
        return createStatement();
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepareStatement(sql, (GeneratedKeys.Columns) null);
    }

    private PreparedStatement prepareStatement(String sql, GeneratedKeys.Columns keyColumns) throws SQLException {
        checkOpen();
        return track(new HalitePreparedStatement(this, sql, keyColumns));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return prepareStatement(sql, resultSetType, resultSetConcurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
                                              int resultSetHoldability) throws SQLException {
        checkResultSetOptions(resultSetType, resultSetConcurrency, resultSetHoldability);
        return prepareStatement(sql);
    }

    /** Generated keys are always available after an INSERT, so the flag changes nothing. */
    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        HaliteStatement.checkGeneratedKeysFlag(autoGeneratedKeys);
        return prepareStatement(sql);
    }

    /** Generated keys are these columns of the table, by position from 1, read with RETURNING after an INSERT. */
    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return prepareStatement(sql, GeneratedKeys.Columns.at(columnIndexes));
    }

    /** Generated keys are these columns, read with RETURNING after an INSERT. */
    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return prepareStatement(sql, GeneratedKeys.Columns.named(columnNames));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no stored procedures");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return prepareCall(sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
                                         int resultSetHoldability) throws SQLException {
        return prepareCall(sql);
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        return sql;
    }

    // ------------------------------------------------------------------ transactions

    @Override
    public synchronized void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (autoCommit && !this.autoCommit) {
            commit(); // JDBC: switching auto-commit on commits the transaction in progress
        }
        this.autoCommit = autoCommit;
    }

    @Override
    public synchronized boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    /** Commits the open transaction; does nothing if no statement has run since the last commit or rollback. */
    @Override
    public synchronized void commit() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("commit() with auto-commit on", "25000");
        }
        if (tx == null) {
            return;
        }
        ClusterClient.Tx ending = tx;
        tx = null;
        client.commit(ending);
    }

    @Override
    public synchronized void rollback() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("rollback() with auto-commit on", "25000");
        }
        if (tx == null) {
            return;
        }
        ClusterClient.Tx ending = tx;
        tx = null;
        client.rollback(ending);
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return TRANSACTION_SERIALIZABLE;
    }

    /**
     * SQLite transactions are serializable. Lower levels are accepted and run as SERIALIZABLE, the substitution of
     * a more restrictive level that JDBC allows; TRANSACTION_NONE is refused.
     */
    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        switch (level) {
            case TRANSACTION_READ_UNCOMMITTED, TRANSACTION_READ_COMMITTED, TRANSACTION_REPEATABLE_READ,
                 TRANSACTION_SERIALIZABLE -> { }
            default -> throw new SQLException("unsupported transaction isolation level " + level, "HY024");
        }
    }

    /**
     * Not supported: the server refuses SAVEPOINT, RELEASE and ROLLBACK TO in its transactions, whose statements it
     * replays on every node as one log entry.
     */
    @Override
    public Savepoint setSavepoint() throws SQLException {
        throw new SQLFeatureNotSupportedException("savepoints are not supported: a Halite transaction is replayed "
                + "on every node as one unit, and the server refuses SAVEPOINT and ROLLBACK TO inside it; roll back "
                + "the whole transaction instead");
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        return setSavepoint();
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        setSavepoint();
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        setSavepoint();
    }

    // ------------------------------------------------------------------ life cycle

    /** Closes the connection's statements and rolls back an open transaction. */
    @Override
    public synchronized void close() throws SQLException {
        if (closed) {
            return;
        }
        try {
            for (HaliteStatement statement : List.copyOf(statements)) {
                statement.close();
            }
            if (tx != null) {
                ClusterClient.Tx ending = tx;
                tx = null;
                client.rollback(ending);
            }
        } finally {
            closed = true;
            client.close();
        }
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Whether a node answers and knows a leader (the transaction's node while one is open). */
    @Override
    public synchronized boolean isValid(int timeoutSeconds) throws SQLException {
        if (timeoutSeconds < 0) {
            throw new SQLException("timeout must not be negative", "HY024");
        }
        return !closed && client.ready(tx, timeoutSeconds == 0 ? timeout(0) : Duration.ofSeconds(timeoutSeconds));
    }

    /** Closes the connection without waiting; an open transaction is rolled back on {@code executor}. */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("executor must not be null", "HY009");
        }
        ClusterClient.Tx ending;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ending = tx;
            tx = null;
        }
        executor.execute(() -> {
            try {
                if (ending != null) {
                    client.rollback(ending);
                }
            } catch (SQLException ignored) {
                // the server ends the transaction itself once it has been idle for tx_idle_timeout
            } finally {
                client.close();
            }
        });
    }

    @Override
    public synchronized void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        if (milliseconds < 0) {
            throw new SQLException("timeout must not be negative", "HY024");
        }
        networkTimeout = milliseconds == 0 ? null : Duration.ofMillis(milliseconds);
    }

    @Override
    public synchronized int getNetworkTimeout() throws SQLException {
        checkOpen();
        return networkTimeout == null ? 0 : (int) networkTimeout.toMillis();
    }

    // ------------------------------------------------------------------ settings and metadata

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        return new HaliteDatabaseMetaData(this);
    }

    /** A hint only: SQLite has no read-only connections and the server does not take one. */
    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    /** SQLite has no catalogs: ignored. */
    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
    }

    @Override
    public String getCatalog() throws SQLException {
        checkOpen();
        return null;
    }

    /** Only the main schema exists: ignored. */
    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
    }

    @Override
    public String getSchema() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return Map.of();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        if (map != null && !map.isEmpty()) {
            throw new SQLFeatureNotSupportedException("type maps are not supported");
        }
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        checkResultSetOptions(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, holdability);
    }

    /** Results are fully read when a statement runs, so they outlive commits. */
    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
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

    /** Kept on the client; the server does not see it. */
    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        if (value == null) {
            clientInfo.remove(name);
        } else {
            clientInfo.setProperty(name, value);
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfo.clear();
        clientInfo.putAll(properties);
    }

    @Override
    public String getClientInfo(String name) {
        return clientInfo.getProperty(name);
    }

    @Override
    public Properties getClientInfo() {
        Properties copy = new Properties();
        copy.putAll(clientInfo);
        return copy;
    }

    // ------------------------------------------------------------------ not supported

    @Override
    public Clob createClob() throws SQLException {
        throw new SQLFeatureNotSupportedException("createClob: bind a String instead");
    }

    @Override
    public Blob createBlob() throws SQLException {
        throw new SQLFeatureNotSupportedException("createBlob: bind a byte[] instead");
    }

    @Override
    public NClob createNClob() throws SQLException {
        throw new SQLFeatureNotSupportedException("createNClob: bind a String instead");
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no XML type");
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no array type");
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no structured types");
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
