package io.halite.jdbc;

import java.sql.Types;
import java.util.Locale;

/**
 * JDBC types for SQLite type names, by SQLite's column affinity rules (in their order): a name containing
 * {@code INT} is INTEGER ({@link Types#BIGINT} if it starts with {@code BIGINT}, else {@link Types#INTEGER}); one
 * containing {@code CHAR}, {@code CLOB} or {@code TEXT} is {@link Types#VARCHAR}; {@code BLOB} is
 * {@link Types#BLOB}; {@code REAL}, {@code FLOA} or {@code DOUB} is {@link Types#DOUBLE}; anything else is
 * {@link Types#NUMERIC}. The server names an expression's column by its value's storage class ({@code integer},
 * {@code real}, {@code text}, {@code blob}), which the same rules map.
 */
final class ColumnTypes {
    private ColumnTypes() {}

    /** The JDBC type of a non-empty SQLite type name. */
    static int jdbcType(String typeName) {
        String t = typeName.toUpperCase(Locale.ROOT);
        if (t.contains("INT")) {
            return t.startsWith("BIGINT") ? Types.BIGINT : Types.INTEGER;
        }
        if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
            return Types.VARCHAR;
        }
        if (t.contains("BLOB")) {
            return Types.BLOB;
        }
        if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
            return Types.DOUBLE;
        }
        return Types.NUMERIC;
    }

    /** The type name without its size ({@code varchar(255)} is {@code VARCHAR}), upper-cased. */
    static String baseName(String typeName) {
        int paren = typeName.indexOf('(');
        return (paren < 0 ? typeName : typeName.substring(0, paren)).trim().toUpperCase(Locale.ROOT);
    }

    /**
     * The size and decimal digits written in a type name ({@code decimal(10,2)} gives 10 and 2), or null where
     * there is none.
     */
    static Integer[] sizeAndDigits(String typeName) {
        int open = typeName.indexOf('(');
        int close = typeName.indexOf(')', open + 1);
        Integer[] result = {null, null};
        if (open < 0 || close < 0) {
            return result;
        }
        String[] parts = typeName.substring(open + 1, close).split(",");
        for (int i = 0; i < Math.min(2, parts.length); i++) {
            try {
                result[i] = Integer.valueOf(parts[i].trim());
            } catch (NumberFormatException e) {
                return new Integer[] {null, null};
            }
        }
        return result;
    }
}
