package io.halite.core.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/** Builds a SQLite database file from SQL text such as the output of the sqlite3 shell's {@code .dump}. */
public final class SqlDump {
    private SqlDump() {}

    /**
     * What SQLite reports after the script's last statement, as for one statement: the last inserted rowid and the
     * row count of the last INSERT, UPDATE or DELETE. rqlite executes a dump as one statement and answers this.
     */
    public record Executed(long lastInsertId, long rowsAffected) {}

    /**
     * Executes every statement of {@code sql} into a new database at {@code target}; the statements are
     * evaluated once, here, so time and randomness in them cannot make replicas differ.
     *
     * @throws SQLException with SQLite's message if any statement fails
     */
    public static Executed toDatabaseFile(String sql, Path target) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + target)) {
            ((SQLiteConnection) c).setLimit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            try {
                ((SQLiteConnection) c).getDatabase()._exec(sql);
            } catch (SQLException e) {
                throw new SQLException(SqliteErrors.message(e), e);
            }
            try (java.sql.Statement s = c.createStatement()) {
                Executed executed;
                try (java.sql.ResultSet rs = s.executeQuery("SELECT last_insert_rowid(), changes()")) {
                    rs.next();
                    executed = new Executed(rs.getLong(1), rs.getLong(2));
                }
                try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
                    if (rs.next() && rs.getLong(1) == 0) {
                        // Replacing a database with an empty one is never what a "dump" means.
                        throw new SQLException("the SQL text creates no tables; the database was left as it is");
                    }
                }
                return executed;
            }
        }
    }
}
