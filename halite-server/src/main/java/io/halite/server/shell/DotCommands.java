package io.halite.server.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shell's dot-commands: one table of names, arguments and help, and a method for each. */
final class DotCommands {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** SQLite's own tables (sqlite_sequence, sqlite_stat1) are not the user's. */
    private static final String NOT_INTERNAL = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

    /** What a command does with its (already split and counted) arguments. */
    @FunctionalInterface
    interface Action {
        void run(List<String> args) throws IOException;
    }

    /** One command: its usage line, help, how many arguments it takes and what they complete to. */
    record Spec(String name, String arguments, String help, int minArgs, int maxArgs,
                SqlCompleter.Argument argument, List<String> choices, Action action) {
        String usage() {
            return arguments.isEmpty() ? name : name + " " + arguments;
        }
    }

    private final Shell shell;
    private final Map<String, Spec> specs = new LinkedHashMap<>();

    DotCommands(Shell shell) {
        this.shell = shell;
        SqlCompleter.Argument none = SqlCompleter.Argument.NONE;
        SqlCompleter.Argument table = SqlCompleter.Argument.TABLE;
        SqlCompleter.Argument file = SqlCompleter.Argument.FILE;
        add(".help", "", "list these commands", 0, 0, none, this::help);
        add(".tables", "[PATTERN]", "tables and views (a LIKE pattern, such as us%)", 0, 1, table, this::tables);
        add(".schema", "[TABLE]", "the CREATE statements (of one table and its indexes and triggers)", 0, 1, table,
                this::schema);
        add(".indexes", "[TABLE]", "indexes (of one table)", 0, 1, table, this::indexes);
        add(".dump", "[FILE]", "the database as SQL text, to the screen or a file", 0, 1, file, this::dump);
        add(".read", "FILE", "run the statements and dot-commands in a file", 1, 1, file, this::read);
        add(".backup", "FILE", "save a consistent copy of the database file", 1, 1, file, this::backup);
        add(".restore", "FILE", "replace the whole database with a database file or SQL dump (/db/load)", 1, 1,
                file, this::restore);
        add(".nodes", "", "the cluster's members: role, reachability, applied index, lag", 0, 0, none, this::nodes);
        add(".status", "", "the node in use: role, leader, indexes, health, database", 0, 0, none, this::status);
        add(".ready", "", "whether the node in use is ready to serve (/readyz)", 0, 0, none, this::ready);
        add(".leader", "", "the leader's id and URL", 0, 0, none, this::leader);
        add(".consistency", "[none|weak|linearizable|strong]", "show or set the read consistency level", 0, 1,
                List.of("none", "weak", "linearizable", "strong"), this::consistency);
        add(".begin", "", "begin an interactive transaction (on the leader)", 0, 0, none, args -> shell.begin());
        add(".commit", "", "commit the open transaction", 0, 0, none, args -> shell.commit());
        add(".rollback", "", "roll the open transaction back", 0, 0, none, args -> shell.rollback());
        add(".mode", "csv|json|line|table", "how rows are printed", 1, 1, List.of("csv", "json", "line", "table"),
                this::mode);
        add(".headers", "on|off", "print column names", 1, 1, List.of("on", "off"),
                args -> shell.printer().headers(onOff(args.get(0), ".headers")));
        add(".timer", "on|off", "print how long each statement took", 1, 1, List.of("on", "off"),
                args -> shell.timer(onOff(args.get(0), ".timer")));
        add(".exit", "[CODE]", "leave the shell (also .quit, or Ctrl-D)", 0, 1, none, this::exit);
        add(".quit", "", "leave the shell", 0, 0, none, args -> shell.exit(0));
    }

    private void add(String name, String arguments, String help, int min, int max, SqlCompleter.Argument argument,
                     Action action) {
        specs.put(name, new Spec(name, arguments, help, min, max, argument, List.of(), action));
    }

    private void add(String name, String arguments, String help, int min, int max, List<String> choices,
                     Action action) {
        specs.put(name, new Spec(name, arguments, help, min, max, SqlCompleter.Argument.CHOICES, choices, action));
    }

    Map<String, Spec> specs() {
        return Collections.unmodifiableMap(specs);
    }

    /** Runs one dot-command line; a wrong name or argument count is a {@link ShellException} naming the usage. */
    void run(String line) throws IOException {
        List<String> words = words(line);
        Spec spec = specs.get(words.get(0));
        if (spec == null) {
            throw new ShellException("unknown command " + words.get(0) + " (.help lists the commands)");
        }
        List<String> args = words.subList(1, words.size());
        if (args.size() < spec.minArgs() || args.size() > spec.maxArgs()) {
            throw new ShellException("usage: " + spec.usage());
        }
        spec.action().run(args);
    }

    /** The words of a dot-command line: separated by spaces, or quoted with ' or " to hold spaces. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.strip().toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new ShellException("unclosed quote in: " + line.strip());
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static boolean onOff(String value, String command) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "on", "yes", "true", "1" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw new ShellException("usage: " + command + " on|off");
        };
    }

    private void help(List<String> args) {
        PrintWriter out = shell.out();
        int width = specs.values().stream().mapToInt(s -> s.usage().length()).max().orElse(0);
        for (Spec spec : specs.values()) {
            out.println(spec.usage() + " ".repeat(width - spec.usage().length() + 2) + spec.help());
        }
        out.println();
        out.println("SQL statements end with ; and may span lines. BEGIN, COMMIT and ROLLBACK work like .begin, "
                + ".commit and .rollback.");
        out.println("Tab completes keywords, tables, columns and commands; Ctrl-C drops the input (or stops "
                + "waiting for a statement); Ctrl-D leaves.");
    }

    private void tables(List<String> args) {
        catalog("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND " + NOT_INTERNAL, "name",
                "name", args).forEach(row -> shell.out().println(row.get(0).asText()));
    }

    private void schema(List<String> args) {
        List<JsonNode> rows = catalog("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND " + NOT_INTERNAL,
                "tbl_name", "rowid", args);
        if (rows.isEmpty() && !args.isEmpty()) {
            throw new ShellException("no table matches " + args.get(0));
        }
        rows.forEach(row -> shell.out().println(row.get(0).asText() + ";"));
    }

    private void indexes(List<String> args) {
        catalog("SELECT name FROM sqlite_schema WHERE type = 'index'", "tbl_name", "name", args)
                .forEach(row -> shell.out().println(row.get(0).asText()));
    }

    /** Rows of a catalogue query, narrowed to {@code column LIKE args[0]} when an argument is given. */
    private List<JsonNode> catalog(String sql, String column, String orderBy, List<String> args) {
        return args.isEmpty() ? shell.lookUp(sql + " ORDER BY " + orderBy)
                : shell.lookUp(sql + " AND " + column + " LIKE ? ORDER BY " + orderBy, args.get(0));
    }

    private void dump(List<String> args) throws IOException {
        if (!args.isEmpty()) {
            Path file = Path.of(args.get(0));
            long bytes = shell.session().download("/db/backup?fmt=sql", file);
            shell.note("wrote " + bytes + " bytes of SQL to " + file);
            return;
        }
        var reply = shell.session().connection().send(HttpRequest.newBuilder().GET(), "/db/backup?fmt=sql",
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = reply.body()) {
            if (reply.status() != 200) {
                throw new ShellException("the dump failed: " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
            PrintWriter out = shell.out();
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(body, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                out.println(line);
            }
            out.flush();
        }
    }

    private void read(List<String> args) throws IOException {
        Path file = Path.of(args.get(0));
        if (!Files.isReadable(file)) {
            throw new ShellException("cannot read " + file);
        }
        if (!shell.runFile(file)) {
            throw ShellException.alreadyReported();
        }
    }

    private void backup(List<String> args) throws IOException {
        Path file = Path.of(args.get(0));
        long bytes = shell.session().download("/db/backup", file);
        shell.note("wrote " + bytes + " bytes to " + file);
    }

    private void restore(List<String> args) throws IOException {
        Path file = Path.of(args.get(0));
        if (!Files.isReadable(file)) {
            throw new ShellException("cannot read " + file);
        }
        shell.session().load(file);
        shell.schemaChanged();
        shell.note("restored " + file + " (" + Files.size(file) + " bytes)");
    }

    private void nodes(List<String> args) {
        JsonNode nodes = shell.session().getJson("/nodes?ver=2&nonvoters").path("nodes");
        List<String> columns = List.of("id", "api_addr", "raft_addr", "voter", "reachable", "leader",
                "applied_index", "lag");
        List<String> fields = List.of("id", "api_addr", "addr", "voter", "reachable", "leader", "applied_index",
                "lag");
        List<JsonNode> rows = new ArrayList<>();
        for (JsonNode node : nodes) {
            ArrayNode row = JSON.createArrayNode();
            fields.forEach(field -> row.add(node.path(field).isMissingNode() ? null : node.get(field)));
            rows.add(row);
        }
        ResultPrinter.printTable(columns, rows, true, shell.out());
    }

    private void status(List<String> args) {
        JsonNode status = shell.session().getJson("/status");
        JsonNode store = status.path("store");
        JsonNode raft = store.path("raft");
        JsonNode sqlite = store.path("sqlite3");
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("node", store.path("node_id").asText() + " at " + shell.session().node() + " (raft "
                + store.path("addr").asText() + ")");
        lines.put("role", raft.path("state").asText() + ", term " + raft.path("term").asText()
                + (raft.path("voter").asBoolean(true) ? "" : ", non-voter"));
        lines.put("leader", store.path("leader").path("node_id").asText("").isEmpty() ? "none known"
                : store.path("leader").path("node_id").asText() + " (raft " + store.path("leader").path("addr").asText()
                + ")");
        lines.put("health", store.path("health").path("state").asText()
                + (store.path("health").path("reason").asText("").isEmpty() ? ""
                : ": " + store.path("health").path("reason").asText()));
        lines.put("log", "applied " + raft.path("applied_index").asText() + ", committed "
                + raft.path("commit_index").asText() + ", last " + raft.path("last_log_index").asText()
                + ", snapshot " + raft.path("last_snapshot_index").asText());
        lines.put("database", sqlite.path("path").asText() + ", " + sqlite.path("db_size").asText() + " bytes, SQLite "
                + sqlite.path("version").asText());
        lines.put("uptime", status.path("node").path("uptime").asText());
        lines.put("version", status.path("build").path("version").asText());
        lines.forEach((name, value) -> shell.out().println(String.format("%-9s %s", name, value)));
    }

    private void ready(List<String> args) {
        var reply = shell.session().getText("/readyz");
        String body = String.join(", ", reply.body().strip().lines().toList());
        if (reply.status() != 200) {
            throw new ShellException("not ready: " + body);
        }
        shell.out().println("ready: " + body);
    }

    private void leader(List<String> args) {
        for (JsonNode node : shell.session().getJson("/nodes?ver=2&nonvoters").path("nodes")) {
            if (node.path("leader").asBoolean()) {
                shell.out().println(node.path("id").asText() + " " + node.path("api_addr").asText());
                return;
            }
        }
        throw new ShellException("no leader known (an election may be under way, or a majority is down)");
    }

    private void consistency(List<String> args) {
        if (args.isEmpty()) {
            shell.out().println(shell.session().level());
        } else {
            shell.session().level(args.get(0).toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void mode(List<String> args) {
        ResultPrinter.Mode mode = ResultPrinter.Mode.named(args.get(0));
        if (mode == null) {
            throw new ShellException("usage: .mode csv|json|line|table");
        }
        shell.printer().mode(mode);
    }

    private void exit(List<String> args) {
        if (args.isEmpty()) {
            shell.exit(0);
            return;
        }
        try {
            shell.exit(Integer.parseInt(args.get(0)));
        } catch (NumberFormatException e) {
            throw new ShellException("usage: .exit [CODE] (a number)");
        }
    }
}
