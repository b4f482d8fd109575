package io.halite.core.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * The few lexical facts about SQL text that sqlite-jdbc does not expose from SQLite itself: the leading keyword
 * (to recognise PRAGMA) and the parameter names in SQLite's numbering (to bind named parameters). It follows
 * SQLite's tokenizer for quoting and comments, so text inside strings, identifiers and comments is never
 * mistaken for either.
 */
public final class SqlLexer {
    private SqlLexer() {}

    /** The first keyword of the statement, upper-cased, or "" if there is none. */
    public static String leadingKeyword(String sql) {
        return sql.substring(skipSpaceAndComments(sql, 0), leadingWordEnd(sql)).toUpperCase(java.util.Locale.ROOT);
    }

    /** The word following the leading keyword (the pragma name for PRAGMA), lower-cased, schema prefix removed. */
    public static String secondWord(String sql) {
        int start = skipSpaceAndComments(sql, leadingWordEnd(sql));
        String word = sql.substring(start, secondWordEnd(sql)).toLowerCase(java.util.Locale.ROOT);
        int dot = word.lastIndexOf('.');
        return dot >= 0 ? word.substring(dot + 1) : word;
    }

    /**
     * The character that follows the second word, as {@code =} in {@code PRAGMA name = value} and {@code (} in
     * {@code PRAGMA name(value)}, or 0 if the text ends there.
     */
    public static char symbolAfterSecondWord(String sql) {
        int i = skipSpaceAndComments(sql, secondWordEnd(sql));
        return i < sql.length() ? sql.charAt(i) : 0;
    }

    /** The statement that a leading {@code EXPLAIN} or {@code EXPLAIN QUERY PLAN} describes, or the text itself. */
    public static String explained(String sql) {
        if (!leadingKeyword(sql).equals("EXPLAIN")) {
            return sql;
        }
        String rest = sql.substring(leadingWordEnd(sql));
        if (leadingKeyword(rest).equals("QUERY")) {
            String plan = rest.substring(leadingWordEnd(rest));
            if (leadingKeyword(plan).equals("PLAN")) {
                return plan.substring(leadingWordEnd(plan));
            }
        }
        return rest;
    }

    private static int leadingWordEnd(String sql) {
        int i = skipSpaceAndComments(sql, 0);
        while (i < sql.length() && Character.isLetter(sql.charAt(i))) i++;
        return i;
    }

    /** Where the second word ends; it may hold digits, underscores and a schema prefix ({@code main.user_version}). */
    private static int secondWordEnd(String sql) {
        int i = skipSpaceAndComments(sql, leadingWordEnd(sql));
        while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_'
                || sql.charAt(i) == '.')) {
            i++;
        }
        return i;
    }

    /**
     * Parameter slots as SQLite numbers them: index i (0-based) holds the name of parameter i+1 including its
     * prefix (":a", "@a", "$a") or null for an anonymous "?" / "?NNN" slot.
     */
    public static List<String> parameterNames(String sql) {
        List<String> slots = new ArrayList<>();
        int i = 0, n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-' || c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipSpaceAndComments(sql, i);
            } else if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(sql, i, c);
            } else if (c == '[') {
                int end = sql.indexOf(']', i + 1);
                i = end < 0 ? n : end + 1;
            } else if (c == '?') {
                int j = i + 1;
                while (j < n && Character.isDigit(sql.charAt(j))) j++;
                if (j > i + 1) {
                    int number = Integer.parseInt(sql.substring(i + 1, Math.min(j, i + 10)));
                    while (slots.size() < number) slots.add(null);
                } else {
                    slots.add(null);
                }
                i = j;
            } else if ((c == ':' || c == '@' || c == '$') && i + 1 < n && isIdentifierChar(sql.charAt(i + 1))) {
                int j = i + 1;
                while (j < n && isIdentifierChar(sql.charAt(j))) j++;
                String name = sql.substring(i, j);
                if (!slots.contains(name)) slots.add(name);
                i = j;
            } else if (isIdentifierChar(c)) {
                // Skip whole words so that e.g. a blob literal x'..' or an identifier is not split.
                int j = i;
                while (j < n && isIdentifierChar(sql.charAt(j))) j++;
                i = j;
            } else {
                i++;
            }
        }
        return slots;
    }

    /**
     * Where the statement that starts at {@code from} ends: the index just past its terminating {@code ;}, or -1
     * if the text holds no complete statement yet (no {@code ;} outside strings, identifiers and comments, or an
     * unterminated string or comment). As in SQLite's {@code sqlite3_complete()}, the {@code ;}s inside a
     * {@code CREATE TRIGGER}'s {@code BEGIN ... END} do not end it; unlike it, a {@code CASE ... END} in the body
     * is counted, so its {@code END;} does not end the trigger early.
     */
    public static int statementEnd(String sql, int from) {
        int n = sql.length();
        int i = from;
        TriggerPrefix prefix = TriggerPrefix.START;
        int depth = 0; // BEGIN and CASE blocks open inside a trigger
        boolean inBody = false;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == ';') {
                if (depth == 0) {
                    return i + 1;
                }
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                if (end < 0) return -1;
                i = end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) return -1;
                i = end + 2;
            } else if (c == '\'' || c == '"' || c == '`') {
                i = quotedEnd(sql, i, c);
                if (i < 0) return -1;
            } else if (c == '[') {
                int end = sql.indexOf(']', i + 1);
                if (end < 0) return -1;
                i = end + 1;
            } else if (isIdentifierChar(c)) {
                int j = i;
                while (j < n && isIdentifierChar(sql.charAt(j))) j++;
                String word = sql.substring(i, j).toUpperCase(java.util.Locale.ROOT);
                if (prefix != TriggerPrefix.TRIGGER) {
                    prefix = prefix.next(word);
                } else if (word.equals("BEGIN") && !inBody || word.equals("CASE")) {
                    // A trigger body holds no transaction control, so a later BEGIN is a column or table name
                    // (SQLite lets BEGIN be one), not a block: counting it would swallow the statements after.
                    inBody |= word.equals("BEGIN");
                    depth++;
                } else if (word.equals("END") && depth > 0) {
                    depth--;
                }
                i = j;
            } else {
                i++;
            }
        }
        return -1;
    }

    /**
     * The statements of the text, in order, as SQLite would run them one after the other: each piece ends with its
     * {@code ;} (see {@link #statementEnd}), the last one may lack it. Empty statements ({@code ;;}) and the white
     * space and comments after the last statement are left out. A text that holds no statement at all comes back
     * whole, for SQLite to judge.
     */
    public static List<String> statements(String sql) {
        if (sql.indexOf(';') < 0) {
            return List.of(sql); // the common case, on every statement applied: no need to scan it
        }
        List<String> pieces = new ArrayList<>(1);
        int from = 0;
        while (from < sql.length()) {
            int end = statementEnd(sql, from);
            String piece = end < 0 ? sql.substring(from) : sql.substring(from, end);
            int body = skipSpaceAndComments(piece, 0);
            if (body < piece.length() && !(body == piece.length() - 1 && piece.charAt(body) == ';')) {
                pieces.add(piece);
            }
            if (end < 0) {
                break;
            }
            from = end;
        }
        return pieces.isEmpty() ? List.of(sql) : pieces;
    }

    /** Whether the text holds more than one statement (see {@link #statements}). */
    public static boolean holdsSeveralStatements(String sql) {
        return statements(sql).size() > 1;
    }

    /** How far the leading words match {@code [EXPLAIN [QUERY PLAN]] CREATE [TEMP|TEMPORARY] TRIGGER}. */
    private enum TriggerPrefix {
        START, EXPLAIN, QUERY, PLAN, CREATE, TEMP, TRIGGER, OTHER;

        TriggerPrefix next(String word) {
            return switch (this) {
                case START -> word.equals("EXPLAIN") ? EXPLAIN : word.equals("CREATE") ? CREATE : OTHER;
                case EXPLAIN -> word.equals("QUERY") ? QUERY : word.equals("CREATE") ? CREATE : OTHER;
                case QUERY -> word.equals("PLAN") ? PLAN : OTHER;
                case PLAN -> word.equals("CREATE") ? CREATE : OTHER;
                case CREATE -> word.equals("TEMP") || word.equals("TEMPORARY") ? TEMP
                        : word.equals("TRIGGER") ? TRIGGER : OTHER;
                case TEMP -> word.equals("TRIGGER") ? TRIGGER : OTHER;
                case TRIGGER, OTHER -> this;
            };
        }
    }

    /** Whether the text holds nothing but white space and comments. */
    public static boolean isBlank(String sql) {
        return skipSpaceAndComments(sql, 0) == sql.length();
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c > 0x7f;
    }

    private static int skipQuoted(String sql, int i, char quote) {
        int end = quotedEnd(sql, i, quote);
        return end < 0 ? sql.length() : end;
    }

    /** The index just past the quoted text that starts at {@code i}, or -1 if it is not closed. */
    private static int quotedEnd(String sql, int i, char quote) {
        int n = sql.length();
        int j = i + 1;
        while (j < n) {
            if (sql.charAt(j) == quote) {
                if (j + 1 < n && sql.charAt(j + 1) == quote) {
                    j += 2; // doubled quote is an escaped quote
                } else {
                    return j + 1;
                }
            } else {
                j++;
            }
        }
        return -1;
    }

    private static int skipSpaceAndComments(String sql, int i) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        return i;
    }
}
