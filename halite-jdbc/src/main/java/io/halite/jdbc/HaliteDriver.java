package io.halite.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The JDBC driver for Halite: {@code jdbc:halite://host1:4001,host2:4001/?level=weak&timeout=5s}. The hosts are
 * the nodes' HTTP API addresses (port 4001 if omitted); a connection starts with the first that answers and fails
 * over to the next. Options, in the URL's query or the connection {@link Properties} (which win):
 * <ul>
 *   <li>{@code level}: read consistency, {@code none|weak|linearizable|strong}, default {@code weak}</li>
 *   <li>{@code timeout}: request timeout as a Go duration ({@code 500ms}, {@code 5s}, {@code 1m}), default
 *       {@code 30s}; also the server's {@code timeout} and the wait for the write lock when a transaction begins</li>
 *   <li>{@code tx_idle_timeout}: how long the server keeps an idle transaction, default {@code 10s}</li>
 *   <li>{@code read_your_writes}: {@code true} (default) makes every read wait for the highest log index any
 *       connection of this JVM has seen written to the same cluster</li>
 *   <li>{@code user}, {@code password}: credentials for a cluster run with {@code --auth}, sent to every node</li>
 * </ul>
 * Registered with {@link DriverManager} when loaded (and found by {@link java.util.ServiceLoader}). Not JDBC
 * compliant in the strict sense: SQLite has no stored procedures, savepoints are not supported, and results are
 * forward-only.
 */
public final class HaliteDriver implements Driver {
    static final int MAJOR_VERSION = 0;
    static final int MINOR_VERSION = 1;

    static {
        try {
            DriverManager.registerDriver(new HaliteDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The driver's version as a string: the jar's Implementation-Version, or major.minor outside a jar. */
    static String version() {
        String v = HaliteDriver.class.getPackage().getImplementationVersion();
        return v != null ? v : MAJOR_VERSION + "." + MINOR_VERSION;
    }

    /** Returns null for URLs of other drivers, as DriverManager expects. */
    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        return HaliteConnection.open(DriverOptions.parse(url, info));
    }

    @Override
    public boolean acceptsURL(String url) {
        return DriverOptions.accepts(url);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return DriverOptions.describe(info);
    }

    @Override
    public int getMajorVersion() {
        return MAJOR_VERSION;
    }

    @Override
    public int getMinorVersion() {
        return MINOR_VERSION;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the driver does not log through java.util.logging");
    }
}
