package io.halite.core.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The table in which databases written before the log position left the user's schema kept it. Opening such a
 * database moves its content out (see {@link LogPosition}, {@link LoadStaging}) and drops the table.
 *
 * @param position the log position the table recorded
 */
record LegacyStateTable(LogPosition.Point position, long loadId, int loadSequence, long loadBytes) {
    private static final String NAME = "_halite_state";

    /** What the writer's database holds in the table, or null if it has none. */
    static LegacyStateTable read(Connection writer) throws SQLException {
        try (Statement s = writer.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '"
                    + NAME + "'")) {
                if (!rs.next() || rs.getLong(1) == 0) {
                    return null;
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT applied_index, applied_term, load_id, load_sequence, load_bytes"
                    + " FROM " + NAME)) {
                if (!rs.next()) {
                    return new LegacyStateTable(LogPosition.Point.START, 0, 0, 0);
                }
                return new LegacyStateTable(new LogPosition.Point(rs.getLong(1), rs.getLong(2)), rs.getLong(3),
                        rs.getInt(4), rs.getLong(5));
            }
        }
    }

    /**
     * Moves the log position (and a load in progress) out of the table into the files beside {@code file}, then
     * drops the table. The files are written first: a crash before the drop finds the table again and moves it
     * again.
     */
    void moveOut(Connection writer, Path file, LoadStaging staging) throws SQLException, IOException {
        try (Statement s = writer.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // the table's content must be durable before it is dropped
        }
        LogPosition.write(file, position);
        if (loadId != 0) {
            staging.resume(loadId, loadSequence, loadBytes, position.index());
        }
        try (Statement s = writer.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            s.execute("DROP TABLE " + NAME);
            LogPosition.stamp(s, position.index());
            s.execute("COMMIT");
        }
    }
}
