package io.halite.jdbc;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the driver needs to know about a statement before sending it, from a small lexer that skips string
 * literals, quoted identifiers ({@code "x"}, {@code `x`}, {@code [x]}) and comments: how many {@code ?}
 * parameters it has, and its bare keywords. The keywords only serve decisions that err on the safe side (a
 * statement is a "query" only if nothing in it looks like a write).
 *
 * @param parameters the number of {@code ?} placeholders
 * @param words      the bare words (keywords and unquoted identifiers), upper-cased, in order
 * @param bodyEnd    where the statement ends in the text, before trailing whitespace, comments and semicolons
 */
record SqlText(int parameters, List<String> words, int bodyEnd) {
    private static final Set<String> QUERY_STARTS = Set.of("SELECT", "VALUES", "WITH", "EXPLAIN");
    private static final Set<String> WRITE_WORDS = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "RETURNING",
            "CREATE", "DROP", "ALTER");
    private static final Set<String> NO_ROWS_STARTS = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE",
            "DROP", "ALTER", "ANALYZE", "REINDEX");

    /**
     * Scans a statement.
     *
     * @throws SQLFeatureNotSupportedException for numbered or named parameters ({@code ?NNN}, {@code :name},
     *                                         {@code @name}, {@code $name}): JDBC numbers parameters by position
     */
    static SqlText scan(String sql) throws SQLException {
        int parameters = 0;
        List<String> words = new ArrayList<>();
        int bodyEnd = 0;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
                continue;
            }
            if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            if (Character.isWhitespace(c) || c == ';') {
                i++;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(sql, i, c);
            } else if (c == '[') {
                int end = sql.indexOf(']', i + 1);
                i = end < 0 ? n : end + 1;
            } else if (c == '?') {
                if (i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
                    throw unsupportedParameter(sql, i);
                }
                parameters++;
                i++;
            } else if ((c == ':' || c == '@' || c == '$') && i + 1 < n && isWordChar(sql.charAt(i + 1))) {
                throw unsupportedParameter(sql, i);
            } else if (isWordStart(c)) {
                int start = i;
                while (i < n && isWordChar(sql.charAt(i))) {
                    i++;
                }
                words.add(sql.substring(start, i).toUpperCase(Locale.ROOT));
            } else {
                i++;
            }
            bodyEnd = i;
        }
        return new SqlText(parameters, List.copyOf(words), bodyEnd);
    }

    /** The first keyword, or "" for none. */
    String leadingWord() {
        return words.isEmpty() ? "" : words.get(0);
    }

    /**
     * Whether the statement is surely a read: it starts as a query does and names no write anywhere. Such a
     * statement may be retried on another node after a connection failure.
     */
    boolean isQuery() {
        return QUERY_STARTS.contains(leadingWord()) && words.stream().noneMatch(WRITE_WORDS::contains);
    }

    /** Whether the statement surely returns no rows: a write or DDL without {@code RETURNING}. */
    boolean returnsNoRows() {
        return NO_ROWS_STARTS.contains(leadingWord()) && !words.contains("RETURNING");
    }

    /** Whether the statement inserts rows, so that its last_insert_id is a generated key. */
    boolean isInsert() {
        String first = leadingWord();
        return first.equals("INSERT") || first.equals("REPLACE");
    }

    private static int skipQuoted(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                // A doubled quote is an escaped quote inside the literal.
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static SQLException unsupportedParameter(String sql, int at) {
        int end = at + 1;
        while (end < sql.length() && isWordChar(sql.charAt(end))) {
            end++;
        }
        return new SQLFeatureNotSupportedException("parameter " + sql.substring(at, end) + " is not supported: the "
                + "Halite driver binds parameters by position, use ?");
    }
}
