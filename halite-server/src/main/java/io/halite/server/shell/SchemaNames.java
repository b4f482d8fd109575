package io.halite.server.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.TreeSet;

/**
 * Table, view and column names for completion, read from {@code sqlite_schema} and {@code pragma_table_info}.
 * Refreshed when the shell starts and after statements that may change the schema; a failed refresh keeps the
 * names it had (completion is a convenience, never an error).
 */
final class SchemaNames {
    private static final String QUERY = "SELECT m.name, p.name FROM sqlite_schema AS m "
            + "LEFT JOIN pragma_table_info(m.name) AS p WHERE m.type IN ('table', 'view') "
            + "AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

    private volatile List<String> tables = List.of();
    private volatile List<String> columns = List.of();

    void refresh(Session session) {
        try {
            TreeSet<String> tableNames = new TreeSet<>();
            TreeSet<String> columnNames = new TreeSet<>();
            for (JsonNode row : session.lookUp("none", QUERY)) {
                tableNames.add(row.get(0).asText());
                if (!row.get(1).isNull()) {
                    columnNames.add(row.get(1).asText());
                }
            }
            tables = List.copyOf(tableNames);
            columns = List.copyOf(columnNames);
        } catch (ShellException e) {
            // keep the names known so far
        }
    }

    List<String> tables() {
        return tables;
    }

    List<String> columns() {
        return columns;
    }
}
