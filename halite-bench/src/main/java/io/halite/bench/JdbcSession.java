package io.halite.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.halite.server.auth.Login;
import io.halite.server.tls.ClientTls;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Operations through the Halite JDBC driver, the way an application runs them: a connection borrowed from a
 * HikariCP pool per operation, PreparedStatements, and for {@code tx} a transaction with {@code setAutoCommit(false)}
 * and {@code commit()}.
 */
final class JdbcSession implements Benchmark.Session {
    /** A HikariCP pool with one connection per client. */
    static final class Pool implements AutoCloseable {
        private final HikariDataSource dataSource;

        Pool(URI node, String readLevel, int clients, Login login, ClientTls tls) {
            HikariConfig config = new HikariConfig();
            if (login != null) {
                config.setUsername(login.user());
                config.setPassword(login.password());
            }
            List<String> options = new ArrayList<>();
            if (readLevel != null) {
                options.add("level=" + readLevel);
            }
            if (tls != null) {
                options.add(tls.jdbcOptions());
            }
            config.setJdbcUrl("jdbc:halite://" + node.getAuthority() + "/"
                    + (options.isEmpty() ? "" : "?" + String.join("&", options)));
            config.setMaximumPoolSize(clients);
            config.setMinimumIdle(clients);
            config.setConnectionTimeout(30_000);
            this.dataSource = new HikariDataSource(config);
        }

        JdbcSession session() {
            return new JdbcSession(dataSource);
        }

        @Override
        public void close() {
            dataSource.close();
        }
    }

    private final HikariDataSource dataSource;

    private JdbcSession(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public boolean perform(Workload workload, SplittableRandom random) {
        try (Connection c = dataSource.getConnection()) {
            switch (workload) {
                case KVWRITE -> write(c, random);
                case KVREAD -> read(c, random);
                case BATCH100 -> {
                    try (PreparedStatement insert = c.prepareStatement(Workload.INSERT_SQL)) {
                        for (int i = 0; i < workload.statementsPerRequest; i++) {
                            insert.setString(1, Workload.randomKey(random));
                            insert.setString(2, Workload.VALUE);
                            insert.addBatch();
                        }
                        insert.executeBatch();
                    }
                }
                case TX -> {
                    c.setAutoCommit(false);
                    try {
                        read(c, random);
                        write(c, random);
                        c.commit();
                    } catch (SQLException e) {
                        c.rollback();
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
            }
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void write(Connection c, SplittableRandom random) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(Workload.INSERT_SQL)) {
            insert.setString(1, Workload.randomKey(random));
            insert.setString(2, Workload.VALUE);
            insert.executeUpdate();
        }
    }

    private static void read(Connection c, SplittableRandom random) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(Workload.SELECT_SQL)) {
            select.setString(1, Workload.randomPreloadedKey(random));
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("a preloaded key is missing");
                }
            }
        }
    }

    @Override
    public void close() {
        // the connection goes back to the pool after each operation
    }
}
