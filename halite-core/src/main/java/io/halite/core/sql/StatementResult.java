package io.halite.core.sql;

import java.util.List;

/** The outcome of one statement: rows, a write summary, or an error. {@code seconds} is execution time. */
public sealed interface StatementResult {
    double seconds();

    /** A statement that produced a result set (SELECT, PRAGMA, or a write with RETURNING). */
    record Rows(List<String> columns, List<String> types, List<Object[]> values, long lastInsertId,
                long rowsAffected, boolean wrote, double seconds) implements StatementResult {}

    /** A statement that changed (or could have changed) the database without returning rows. */
    record Exec(long lastInsertId, long rowsAffected, double seconds) implements StatementResult {}

    /**
     * A statement that failed or was refused; nothing of it was applied (in a text of several statements, those
     * before the failing one were). {@code code} is SQLite's primary result
     * code (19 for a constraint, 1 for most SQL errors), or 0 when Halite refused the statement itself.
     */
    record Failed(String error, int code, double seconds) implements StatementResult {
        /** A statement Halite refused before SQLite ran it. */
        public static Failed refused(String error, double seconds) {
            return new Failed(error, 0, seconds);
        }
    }
}
