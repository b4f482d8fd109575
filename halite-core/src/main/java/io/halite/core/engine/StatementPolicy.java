package io.halite.core.engine;

import io.halite.core.sql.SqlLexer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides which statements may run, from the program SQLite compiles for them ({@code EXPLAIN}): the opcodes
 * show transaction control, journal and checkpoint changes, VACUUM, ATTACH/DETACH, extension loading and writes
 * to the connection-private temp schema. Those would either break the node's own transaction handling or make a
 * replica's state depend on its connection history, so they are refused with a reason. PRAGMAs are recognised by
 * their leading keyword and limited to introspection and the one persistent header field clients own. EXPLAIN only
 * describes the statement after it, so it may run whatever that statement is, unless it is a PRAGMA: SQLite carries
 * out some PRAGMAs while compiling them, so an explained one is judged as if it ran.
 */
final class StatementPolicy {
    enum Mode { WRITE, READ }

    private static final Set<String> INTROSPECTION_PRAGMAS = Set.of(
            "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list",
            "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", "collation_list",
            "function_list", "module_list", "pragma_list", "database_list", "compile_options", "encoding",
            "page_size", "page_count", "freelist_count", "schema_version", "data_version", "user_version",
            "application_id", "foreign_keys", "journal_mode", "auto_vacuum", "max_page_count");
    /** application_id is not among them: its field in the header holds Halite's log position (see LogPosition). */
    private static final Set<String> WRITABLE_PRAGMAS = Set.of("user_version");
    /**
     * Introspection PRAGMAs whose argument in parentheses names what to look at; for the others,
     * {@code PRAGMA name(value)} sets the value as {@code PRAGMA name = value} does.
     */
    private static final Set<String> QUERY_ARGUMENT_PRAGMAS = Set.of("table_info", "table_xinfo", "table_list",
            "index_info", "index_xinfo", "index_list", "foreign_key_list", "foreign_key_check", "integrity_check",
            "quick_check");
    private static final int CACHE_LIMIT = 10_000;

    /**
     * What the compiled program of one statement contains; independent of bound values. {@code writes} is what
     * sqlite3_stmt_readonly() reports (a write transaction, VACUUM or a journal mode change), which sqlite-jdbc
     * does not expose directly.
     */
    record Inspection(boolean transactionControl, boolean journalOrCheckpoint, boolean vacuum,
                      boolean attach, boolean loadExtension, boolean writesTemp, boolean writes) {
        /** A statement whose program has none of these: an EXPLAIN, or a PRAGMA judged by name. */
        static Inspection harmless(boolean writes) {
            return new Inspection(false, false, false, false, false, false, writes);
        }
    }

    private final ConcurrentHashMap<String, Inspection> cache = new ConcurrentHashMap<>();

    /** Returns why the statement is refused in this mode, or null if it may run. Throws if it does not compile. */
    String refusal(Connection connection, String sql, Mode mode) throws SQLException {
        String described = SqlLexer.explained(sql);
        if (SqlLexer.leadingKeyword(described).equals("PRAGMA")) {
            return pragmaRefusal(described, mode);
        }
        Inspection inspection = inspection(connection, sql);
        if (inspection.transactionControl) {
            return "transaction control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) are not allowed "
                    + "here; send the statements in one request with the transaction parameter";
        }
        if (inspection.attach) {
            return "ATTACH and DETACH are not allowed: every replica must hold exactly one database file";
        }
        if (inspection.loadExtension) {
            return "load_extension() is not allowed: extensions loaded on one node would make replicas differ";
        }
        if (mode == Mode.WRITE) {
            if (inspection.journalOrCheckpoint) {
                return "changing the journal or checkpointing is not allowed: Halite manages the WAL itself";
            }
            if (inspection.vacuum) {
                return "VACUUM is not allowed through the API: it rewrites the file outside the replicated log";
            }
            if (inspection.writesTemp) {
                return "temporary tables, views and triggers are not allowed in writes: they live in one connection "
                        + "and would differ between replicas";
            }
        }
        return null;
    }

    /**
     * Whether the text would change the database: true if any of its statements writes, false if none does, null
     * if none that compiles writes but some do not compile (against this connection's schema, before the
     * statements ahead of them have run).
     */
    Boolean writes(Connection connection, String sql) {
        boolean unknown = false;
        for (String piece : SqlLexer.statements(sql)) {
            try {
                if (inspection(connection, piece).writes()) {
                    return true;
                }
            } catch (SQLException e) {
                unknown = true;
            }
        }
        return unknown ? null : false;
    }

    /** The (cached) inspection of a statement. Throws if it does not compile. */
    Inspection inspection(Connection connection, String sql) throws SQLException {
        Inspection inspection = cache.get(sql);
        if (inspection == null) {
            String described = SqlLexer.explained(sql);
            if (SqlLexer.leadingKeyword(described).equals("PRAGMA")) {
                // Allowed PRAGMAs are judged by name (see pragmaRefusal); their programs need no inspection, and
                // reading e.g. journal_mode compiles to a JournalMode opcode that would otherwise count as a write.
                inspection = Inspection.harmless(pragmaSets(described));
            } else if (SqlLexer.leadingKeyword(sql).equals("EXPLAIN")) {
                // It runs nothing; and its own program cannot be listed: EXPLAIN EXPLAIN is a syntax error.
                inspection = Inspection.harmless(false);
            } else {
                inspection = inspect(connection, sql);
            }
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(sql, inspection);
        }
        return inspection;
    }

    private static String pragmaRefusal(String sql, Mode mode) {
        String name = SqlLexer.secondWord(sql);
        if (!INTROSPECTION_PRAGMAS.contains(name)) {
            return "PRAGMA " + name + " is not allowed: it changes connection or file settings that Halite manages "
                    + "on every replica";
        }
        if (pragmaSets(sql)) {
            if (!WRITABLE_PRAGMAS.contains(name)) {
                return "setting PRAGMA " + name + " is not allowed: it is managed by Halite on every replica";
            }
            if (mode == Mode.READ) {
                return "PRAGMA " + name + " = ... changes the database; send it as a write";
            }
        }
        return null;
    }

    /** Whether the PRAGMA sets its value ({@code = value}, or {@code (value)} where that is not an object name). */
    private static boolean pragmaSets(String sql) {
        char symbol = SqlLexer.symbolAfterSecondWord(sql);
        return symbol == '=' || symbol == '(' && !QUERY_ARGUMENT_PRAGMAS.contains(SqlLexer.secondWord(sql));
    }

    private static Inspection inspect(Connection connection, String sql) throws SQLException {
        boolean transactionControl = false, journal = false, vacuum = false, attach = false, load = false, temp = false;
        boolean writes = false;
        try (java.sql.Statement explain = connection.createStatement();
             ResultSet program = explain.executeQuery("EXPLAIN " + sql)) {
            while (program.next()) {
                String opcode = program.getString(2);
                switch (opcode) {
                    case "AutoCommit", "Savepoint" -> transactionControl = true;
                    case "JournalMode" -> {
                        // p3 = -1 only queries the mode: SQLite adds one to mark a statement as not read-only,
                        // e.g. CREATE TABLE IF NOT EXISTS for a table that exists.
                        journal |= program.getInt(5) != -1;
                        writes = true;
                    }
                    case "Checkpoint" -> journal = true;
                    case "Vacuum" -> {
                        vacuum = true;
                        writes = true;
                    }
                    case "Transaction" -> {
                        boolean write = program.getInt(4) != 0;
                        writes |= write;
                        temp |= write && program.getInt(3) == 1;
                    }
                    case "Function", "PureFunc" -> {
                        String function = String.valueOf(program.getString(6));
                        attach |= function.startsWith("sqlite_attach(") || function.startsWith("sqlite_detach(");
                        load |= function.startsWith("load_extension(");
                    }
                    default -> { }
                }
            }
        }
        return new Inspection(transactionControl, journal, vacuum, attach, load, temp, writes);
    }
}
