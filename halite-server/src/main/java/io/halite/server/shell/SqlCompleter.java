package io.halite.server.shell;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.builtins.Completers.FileNameCompleter;

/**
 * Tab completion: dot-commands and their arguments at the start of a line; elsewhere SQL keywords and the
 * database's table and column names (only tables after FROM, JOIN, INTO, UPDATE and TABLE).
 */
final class SqlCompleter implements Completer {
    /** SQLite's keywords (https://sqlite.org/lang_keywords.html). */
    static final List<String> KEYWORDS = List.of(
            "ABORT", "ACTION", "ADD", "AFTER", "ALL", "ALTER", "ALWAYS", "ANALYZE", "AND", "AS", "ASC", "ATTACH",
            "AUTOINCREMENT", "BEFORE", "BEGIN", "BETWEEN", "BY", "CASCADE", "CASE", "CAST", "CHECK", "COLLATE",
            "COLUMN", "COMMIT", "CONFLICT", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE",
            "CURRENT_TIME", "CURRENT_TIMESTAMP", "DATABASE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DELETE", "DESC",
            "DETACH", "DISTINCT", "DO", "DROP", "EACH", "ELSE", "END", "ESCAPE", "EXCEPT", "EXCLUDE", "EXCLUSIVE",
            "EXISTS", "EXPLAIN", "FAIL", "FILTER", "FIRST", "FOLLOWING", "FOR", "FOREIGN", "FROM", "FULL",
            "GENERATED", "GLOB", "GROUP", "GROUPS", "HAVING", "IF", "IGNORE", "IMMEDIATE", "IN", "INDEX", "INDEXED",
            "INITIALLY", "INNER", "INSERT", "INSTEAD", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "KEY", "LAST",
            "LEFT", "LIKE", "LIMIT", "MATCH", "MATERIALIZED", "NATURAL", "NO", "NOT", "NOTHING", "NOTNULL", "NULL",
            "NULLS", "OF", "OFFSET", "ON", "OR", "ORDER", "OTHERS", "OUTER", "OVER", "PARTITION", "PLAN", "PRAGMA",
            "PRECEDING", "PRIMARY", "QUERY", "RAISE", "RANGE", "RECURSIVE", "REFERENCES", "REGEXP", "REINDEX",
            "RELEASE", "RENAME", "REPLACE", "RESTRICT", "RETURNING", "RIGHT", "ROLLBACK", "ROW", "ROWS",
            "SAVEPOINT", "SELECT", "SET", "STRICT", "TABLE", "TEMP", "TEMPORARY", "THEN", "TIES", "TO",
            "TRANSACTION", "TRIGGER", "UNBOUNDED", "UNION", "UNIQUE", "UPDATE", "USING", "VACUUM", "VALUES", "VIEW",
            "VIRTUAL", "WHEN", "WHERE", "WINDOW", "WITH", "WITHOUT");

    /** Keywords after which only a table (or view) name can follow. */
    private static final Set<String> TABLE_FOLLOWS = Set.of("FROM", "JOIN", "INTO", "UPDATE", "TABLE");

    /** What a dot-command's argument completes to. */
    enum Argument { NONE, TABLE, FILE, CHOICES }

    private final SchemaNames schema;
    private final Supplier<Map<String, DotCommands.Spec>> commands;
    private final FileNameCompleter files = new FileNameCompleter();

    SqlCompleter(SchemaNames schema, Supplier<Map<String, DotCommands.Spec>> commands) {
        this.schema = schema;
        this.commands = commands;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        if (!words.isEmpty() && words.get(0).startsWith(".")) {
            completeDotCommand(reader, line, candidates);
            return;
        }
        for (String table : schema.tables()) {
            candidates.add(new Candidate(table, table, "tables", null, null, null, true));
        }
        if (line.wordIndex() > 0 && TABLE_FOLLOWS.contains(words.get(line.wordIndex() - 1).toUpperCase(Locale.ROOT))) {
            return; // only a table can come here
        }
        for (String keyword : KEYWORDS) {
            candidates.add(new Candidate(keyword, keyword, "keywords", null, null, null, true));
        }
        for (String column : schema.columns()) {
            candidates.add(new Candidate(column, column, "columns", null, null, null, true));
        }
    }

    private void completeDotCommand(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        Map<String, DotCommands.Spec> specs = commands.get();
        if (line.wordIndex() == 0) {
            specs.forEach((name, spec) -> candidates.add(
                    new Candidate(name, name, null, spec.help(), null, null, true)));
            return;
        }
        DotCommands.Spec spec = specs.get(line.words().get(0));
        if (spec == null || line.wordIndex() > 1) {
            return;
        }
        switch (spec.argument()) {
            case TABLE -> schema.tables().forEach(t -> candidates.add(new Candidate(t)));
            case FILE -> files.complete(reader, line, candidates);
            case CHOICES -> spec.choices().forEach(c -> candidates.add(new Candidate(c)));
            case NONE -> { }
        }
    }
}
