package io.halite.core.engine;

import java.io.IOException;
import java.io.Writer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a database as SQL text in the shape of the sqlite3 shell's {@code .dump}: the schema, then one
 * {@code INSERT} per row with values rendered by SQLite's own {@code quote()}, all inside one transaction. Reads
 * one snapshot of a read-only connection; rows stream to the writer as they are read. Halite's state table is
 * left out: the dump describes the user's data, not which log entries it came from.
 */
final class SqlDumpWriter {
    private SqlDumpWriter() {}

    static void write(Connection connection, Writer out) throws SQLException, IOException {
        try (Statement s = connection.createStatement()) {
            s.execute("BEGIN");
            try {
                out.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
                List<String[]> tables = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql "
                        + "IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")) {
                    while (rs.next()) {
                        tables.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
                for (String[] table : tables) {
                    out.write(table[1]);
                    out.write(";\n");
                    writeRows(s, table[0], out);
                }
                try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_schema WHERE name = 'sqlite_sequence'")) {
                    if (rs.next()) {
                        out.write("DELETE FROM sqlite_sequence;\n");
                        writeRows(s, "sqlite_sequence", out);
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT sql FROM sqlite_schema WHERE type IN ('index', 'trigger', "
                        + "'view') AND sql IS NOT NULL ORDER BY rowid")) {
                    while (rs.next()) {
                        out.write(rs.getString(1));
                        out.write(";\n");
                    }
                }
                out.write("COMMIT;\n");
            } finally {
                s.execute("COMMIT");
            }
        }
    }

    private static void writeRows(Statement s, String table, Writer out) throws SQLException, IOException {
        String quotedName = "\"" + table.replace("\"", "\"\"") + "\"";
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_info('" + table.replace("'", "''") + "')")) {
            while (rs.next()) {
                columns.add("quote(\"" + rs.getString(1).replace("\"", "\"\"") + "\")");
            }
        }
        String select = "SELECT 'INSERT INTO " + quotedName.replace("'", "''") + " VALUES(' || "
                + String.join(" || ',' || ", columns) + " || ');' FROM " + quotedName;
        try (ResultSet rs = s.executeQuery(select)) {
            while (rs.next()) {
                out.write(rs.getString(1));
                out.write('\n');
            }
        }
    }
}
