package io.halite.core.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A SHA-256 over a database's schema and every row of every table, in rowid (or primary-key) order: equal on
 * replicas that hold the same content, whatever their file layout.
 */
final class ContentChecksum {
    private ContentChecksum() {}

    /** The checksum of what {@code s}'s connection sees (run it inside one read transaction, for one snapshot). */
    static String of(Statement s) throws SQLException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
        return HexFormat.of().formatHex(digest.digest());
    }

    private static boolean hasRowid(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = '"
                + table.replace("'", "''") + "'")) {
            return rs.next() && rs.getInt(1) == 0;
        }
    }

    private static void update(MessageDigest digest, String s) {
        digest.update(s.getBytes(StandardCharsets.UTF_8));
    }
}
