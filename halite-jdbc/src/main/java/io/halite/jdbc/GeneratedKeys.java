package io.halite.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The generated keys of an execution, as {@link java.sql.Statement#getGeneratedKeys()} returns them. Without key
 * columns they are the rowid SQLite assigned last (one column, {@code last_insert_rowid()}), as for
 * {@code RETURN_GENERATED_KEYS}. With key columns (named, or by position in the table) the driver appends
 * {@code RETURNING} to an INSERT and the keys are what it returns: one row per inserted row, the values SQLite
 * stored, defaults and expressions included.
 */
record GeneratedKeys(List<String> columns, List<String> types, List<Object[]> rows) {
    private static final List<String> ROWID_COLUMNS = List.of("last_insert_rowid()");
    private static final List<String> ROWID_TYPES = List.of("integer");

    /** No keys: the execution inserted nothing. */
    static final GeneratedKeys NONE = new GeneratedKeys(ROWID_COLUMNS, ROWID_TYPES, List.of());

    static GeneratedKeys rowid(long rowid) {
        return new GeneratedKeys(ROWID_COLUMNS, ROWID_TYPES, List.<Object[]>of(new Object[] {rowid}));
    }

    /** These keys followed by {@code more}'s rows (a batch's executions, which return the same columns). */
    GeneratedKeys plus(GeneratedKeys more) {
        if (rows.isEmpty()) {
            return more;
        }
        List<Object[]> all = new ArrayList<>(rows);
        all.addAll(more.rows);
        return new GeneratedKeys(columns, types, all);
    }

    /**
     * The key columns an application asked for with {@code prepareStatement(sql, String[])} or
     * {@code int[]}, and the {@code executeUpdate}/{@code execute} variants.
     */
    static final class Columns {
        /** {@code RETURNING} the named columns, or every column ({@code *}) to pick them by position after. */
        private final String returning;
        /** 1-based positions in the table, or null for named columns. */
        private final int[] positions;

        private Columns(String returning, int[] positions) {
            this.returning = returning;
            this.positions = positions;
        }

        /**
         * Columns by name. Backquotes make each an identifier whatever its spelling, and unlike double quotes
         * they never fall back to a string literal when no such column exists.
         */
        static Columns named(String[] names) throws SQLException {
            if (names == null || names.length == 0) {
                throw new SQLException("name at least one generated key column", "HY024");
            }
            return new Columns(Arrays.stream(names).map(name -> "`" + name.replace("`", "``") + "`")
                    .collect(Collectors.joining(", ")), null);
        }

        /** Columns by their position in the table, from 1, as in the table's definition. */
        static Columns at(int[] positions) throws SQLException {
            if (positions == null || positions.length == 0) {
                throw new SQLException("name at least one generated key column index", "HY024");
            }
            for (int position : positions) {
                if (position < 1) {
                    throw new SQLException("generated key column index " + position + " is not a column: indexes "
                            + "start at 1", "HY024");
                }
            }
            return new Columns("*", positions.clone());
        }

        /**
         * Whether the statement returns keys: an INSERT (or REPLACE) does; other statements run as written, as JDBC
         * asks.
         *
         * @throws SQLException for an INSERT with its own RETURNING, whose rows are its results already
         */
        boolean appliesTo(SqlText text) throws SQLException {
            if (!text.isInsert()) {
                return false;
            }
            if (text.words().contains("RETURNING")) {
                throw new SQLException("the INSERT has its own RETURNING clause: read its rows with executeQuery "
                        + "instead of asking for generated key columns", "HY000");
            }
            return true;
        }

        /** The statement with this RETURNING clause appended; only for statements it {@link #appliesTo}. */
        Wire.Sql returning(Wire.Sql sql, SqlText text) {
            return new Wire.Sql(sql.text().substring(0, text.bodyEnd()) + " RETURNING " + returning, sql.params());
        }

        /** The keys in the rows the appended RETURNING gave. */
        GeneratedKeys keysOf(Wire.Result result) throws SQLException {
            if (positions == null) {
                return new GeneratedKeys(result.columns(), result.types(), result.rows());
            }
            int width = result.columns().size();
            for (int position : positions) {
                if (position > width) {
                    throw new SQLException("generated key column index " + position + " is past the table's "
                            + width + " columns; the INSERT has run", "HY000");
                }
            }
            List<String> columns = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (int position : positions) {
                columns.add(result.columns().get(position - 1));
                types.add(result.types().get(position - 1));
            }
            List<Object[]> rows = new ArrayList<>();
            for (Object[] row : result.rows()) {
                Object[] keys = new Object[positions.length];
                for (int k = 0; k < positions.length; k++) {
                    keys[k] = row[positions[k] - 1];
                }
                rows.add(keys);
            }
            return new GeneratedKeys(columns, types, rows);
        }
    }
}
