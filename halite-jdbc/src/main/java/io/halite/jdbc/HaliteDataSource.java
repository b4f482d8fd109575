package io.halite.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} for Halite, configured bean-style (so that e.g. HikariCP's {@code dataSourceClassName}
 * with properties works): {@code url} ({@code jdbc:halite://host:port,...}), and optionally {@code level},
 * {@code timeout}, {@code txIdleTimeout}, {@code readYourWrites}, {@code user}, {@code password}, which override the
 * URL's options (see
 * {@link HaliteDriver}). Not a pool: each
 * {@link #getConnection()} is a new connection.
 */
public final class HaliteDataSource implements DataSource {
    private final Properties options = new Properties();
    private String url;
    private int loginTimeout;
    private PrintWriter logWriter;
    @Override
    public Connection getConnection() throws SQLException {
        return open(new Properties());
    }

    /** A connection as {@code username}, whatever user this data source is set to. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", username == null ? "" : username);
        login.setProperty("password", password == null ? "" : password);
        return open(login);
    }

    /** A connection with this data source's options, {@code overrides} winning. */
    private Connection open(Properties overrides) throws SQLException {
        if (url == null) {
            throw new SQLException("set the data source's url (jdbc:halite://host:port,...) first", "08001");
        }
        Properties copy;
        synchronized (options) {
            copy = (Properties) options.clone();
        }
        copy.putAll(overrides);
        return HaliteConnection.open(DriverOptions.parse(url, copy));
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    private String option(String key) {
        synchronized (options) {
            return options.getProperty(key);
        }
    }

    private void option(String key, String value) {
        synchronized (options) {
            if (value == null) {
                options.remove(key);
            } else {
                options.setProperty(key, value);
            }
        }
    }

    public String getLevel() {
        return option("level");
    }

    /** none, weak, linearizable or strong. */
    public void setLevel(String level) {
        option("level", level);
    }

    public String getTimeout() {
        return option("timeout");
    }

    /** A Go duration such as 5s. */
    public void setTimeout(String timeout) {
        option("timeout", timeout);
    }

    public String getTxIdleTimeout() {
        return option("tx_idle_timeout");
    }

    public void setTxIdleTimeout(String txIdleTimeout) {
        option("tx_idle_timeout", txIdleTimeout);
    }

    public boolean isReadYourWrites() {
        return !"false".equals(option("read_your_writes"));
    }

    public void setReadYourWrites(boolean readYourWrites) {
        option("read_your_writes", Boolean.toString(readYourWrites));
    }

    /** The user for a cluster run with --auth. */
    public void setUser(String user) {
        option("user", user);
    }

    /** The user's password. */
    public void setPassword(String password) {
        option("password", password);
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    /** Kept as DataSource requires; the driver writes nothing to it. */
    @Override
    public void setLogWriter(PrintWriter out) {
        logWriter = out;
    }

    /** Kept as DataSource requires; connecting is bounded by the {@code timeout} option instead. */
    @Override
    public void setLoginTimeout(int seconds) {
        loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the driver does not log through java.util.logging");
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
