package io.halite.server.shell;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.core.sql.SqlLexer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * {@code halite shell}: SQL and dot-commands against a cluster, typed at a terminal (JLine: editing, history,
 * completion) or read from arguments, standard input or a file. Non-interactive input stops at the first error
 * unless told to keep going; either way the exit code says whether anything failed.
 */
public final class Shell {
    // The API refuses transaction control in statements; the shell maps these onto an interactive transaction.
    private static final Pattern BEGIN = Pattern.compile(
            "(?is)BEGIN(\\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\\s+TRANSACTION)?\\s*;?");
    private static final Pattern COMMIT = Pattern.compile("(?is)(COMMIT|END)(\\s+TRANSACTION)?\\s*;?");
    private static final Pattern ROLLBACK = Pattern.compile("(?is)ROLLBACK(\\s+TRANSACTION)?\\s*;?");
    // The first line of every dump (ours and sqlite3's). Foreign keys are one setting for the whole cluster.
    private static final Pattern FOREIGN_KEYS_OFF = Pattern.compile(
            "(?is)PRAGMA\\s+foreign_keys\\s*=\\s*(OFF|0|FALSE|NO)\\s*;?");

    /** How the shell was started (the {@code halite shell} options). */
    /**
     * @param http how to reach the nodes: the JDK's client builder, set up for https:// nodes (their CA, a client
     *             certificate) where the command line asked for it
     */
    public record Options(List<URI> nodes, String authorization, java.net.http.HttpClient.Builder http,
                          boolean keepGoing, String mode, boolean headers, String consistency,
                          Duration txIdleTimeout) {}

    private final Session session;
    private final ResultPrinter printer = new ResultPrinter();
    private final SchemaNames schema = new SchemaNames();
    private final DotCommands commands = new DotCommands(this);
    private final boolean keepGoing;
    private PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    private PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    private boolean interactive;
    private boolean timer;
    private Integer exitCode;

    public Shell(Options options) {
        this.session = new Session(new NodeConnection(options.nodes(), options.authorization(), options.http(),
                this::note),
                options.txIdleTimeout());
        this.keepGoing = options.keepGoing();
        ResultPrinter.Mode mode = ResultPrinter.Mode.named(options.mode());
        if (mode == null) {
            throw new IllegalArgumentException("unknown mode '" + options.mode() + "': use csv, json, line or table");
        }
        printer.mode(mode);
        printer.headers(options.headers());
        session.level(options.consistency());
    }

    /** Runs each text (statements and dot-commands) in turn; returns the exit code. */
    public int runTexts(List<String> texts) {
        boolean ok = true;
        for (int i = 0; i < texts.size() && exitCode == null && (ok || keepGoing); i++) {
            ok &= runScript(new BufferedReader(new java.io.StringReader(texts.get(i))), null);
        }
        return finish(ok);
    }

    /** Runs a script read from {@code input} (standard input); returns the exit code. */
    public int runScript(Reader input, String source) {
        return finish(runScript(new BufferedReader(input), source));
    }

    private int finish(boolean ok) {
        if (session.inTransaction()) {
            ok = false;
            error("the input ended inside a transaction: it was rolled back", null, 0);
            rollbackQuietly();
        }
        out.flush();
        return exitCode != null ? exitCode : ok ? 0 : 1;
    }

    /** The interactive shell on this process's terminal; returns the exit code ({@code .exit N}, else 0). */
    public int runInteractive(Path historyFile) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).name("halite").build()) {
            interactive = true;
            out = terminal.writer();
            err = terminal.writer();
            LineReader reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("halite")
                    .parser(new SqlLineParser())
                    .completer(new SqlCompleter(schema, commands::specs))
                    .variable(LineReader.HISTORY_FILE, historyFile)
                    .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P ...> ")
                    .option(LineReader.Option.CASE_INSENSITIVE, true)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // "!=" is SQL, not a history event
                    .option(LineReader.Option.HISTORY_IGNORE_DUPS, true)
                    .build();
            // Outside readLine, Ctrl-C stops waiting for the statement in flight (JLine handles it while reading).
            terminal.handle(Terminal.Signal.INT, signal -> session.connection().cancel());
            greet();
            while (exitCode == null) {
                String input;
                try {
                    input = reader.readLine(session.inTransaction() ? "halite*> " : "halite> ");
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C: the input typed so far is dropped
                } catch (EndOfFileException e) {
                    break; // Ctrl-D on an empty line
                }
                runScript(new BufferedReader(new java.io.StringReader(input)), null);
            }
            if (session.inTransaction()) {
                rollbackQuietly();
                note("the open transaction was rolled back");
            }
            reader.getHistory().save();
            return exitCode == null ? 0 : exitCode;
        }
    }

    private void greet() {
        try {
            JsonNode status = session.getJson("/status");
            JsonNode store = status.path("store");
            out.println("halite shell: " + session.node() + " is node " + store.path("node_id").asText() + " ("
                    + store.path("raft").path("state").asText() + "), SQLite "
                    + store.path("sqlite3").path("version").asText() + ". End SQL with ; and type .help for commands.");
            schema.refresh(session);
        } catch (ShellException e) {
            error(e.getMessage(), null, 0);
        }
        out.flush();
    }

    /** Runs every piece of the input; false if one failed (the rest is skipped unless keeping going). */
    private boolean runScript(BufferedReader input, String source) {
        InputBuffer buffer = new InputBuffer();
        boolean ok = true;
        try {
            for (String line; (line = input.readLine()) != null; ) {
                for (InputBuffer.Piece piece : buffer.add(line)) {
                    ok &= run(piece, source);
                    if (exitCode != null || !ok && !keepGoing) {
                        return ok;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InputBuffer.Piece rest = buffer.finish();
        if (rest != null) {
            ok &= run(rest, source);
        }
        return ok;
    }

    /** {@code .read}: runs a file as a script; a transaction the file began and left open is rolled back. */
    boolean runFile(Path file) throws IOException {
        boolean hadTransaction = session.inTransaction();
        boolean ok;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            ok = runScript(reader, file.toString());
        }
        if (!hadTransaction && session.inTransaction()) {
            rollbackQuietly();
            error("the transaction " + file + " began was rolled back", file.toString(), 0);
            ok = false;
        }
        schemaChanged();
        return ok;
    }

    private boolean run(InputBuffer.Piece piece, String source) {
        try {
            if (piece.dotCommand()) {
                commands.run(piece.text());
            } else {
                runStatement(piece.text());
            }
            return true;
        } catch (ShellException e) {
            if (!e.reported()) {
                error(e.getMessage(), source, piece.line());
            }
            return false;
        } catch (IOException e) {
            error(e.getMessage() == null ? e.toString() : e.getMessage(), source, piece.line());
            return false;
        } finally {
            out.flush();
        }
    }

    private void runStatement(String sql) {
        if (BEGIN.matcher(sql).matches()) {
            begin();
            return;
        }
        if (COMMIT.matcher(sql).matches()) {
            commit();
            return;
        }
        if (ROLLBACK.matcher(sql).matches()) {
            rollback();
            return;
        }
        if (FOREIGN_KEYS_OFF.matcher(sql).matches()) {
            note("skipped " + sql + " (foreign keys are set for the whole cluster: halite serve --foreign-keys)");
            return;
        }
        long start = System.nanoTime();
        Session.Result result = session.execute(sql, timer);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (result.error() != null) {
            throw new ShellException(result.error());
        }
        if (result.hasRows()) {
            printer.print(result.columns(), result.rows(), out);
        } else if (interactive && result.rowsAffected() > 0) {
            out.println(result.rowsAffected() == 1 ? "1 row affected" : result.rowsAffected() + " rows affected");
        }
        if (timer) {
            out.println(String.format(Locale.ROOT, "Run Time: %.1f ms", seconds * 1000)
                    + (result.serverSeconds() < 0 ? ""
                    : String.format(Locale.ROOT, " (%.1f ms on the node)", result.serverSeconds() * 1000)));
        }
        String keyword = SqlLexer.leadingKeyword(sql);
        if (keyword.equals("CREATE") || keyword.equals("DROP") || keyword.equals("ALTER")) {
            schemaChanged();
        }
    }

    void begin() {
        session.begin();
        if (interactive) {
            note("transaction open on " + session.transactionLeader() + ": it holds the write lock until .commit "
                    + "or .rollback");
        }
    }

    void commit() {
        long index = session.commit();
        if (interactive) {
            note(index > 0 ? "committed at log index " + index : "committed (nothing was written)");
        }
        schemaChanged();
    }

    void rollback() {
        session.rollback();
        if (interactive) {
            note("rolled back");
        }
    }

    private void rollbackQuietly() {
        try {
            session.rollback();
        } catch (ShellException e) {
            // it ended on the leader already (idle timeout, leader change): nothing of it remains either way
        }
    }

    /** Rows of the shell's own catalogue queries, read at the session's level. */
    List<JsonNode> lookUp(String sql, String... params) {
        return session.lookUp(session.level(), sql, params);
    }

    void schemaChanged() {
        if (interactive) {
            schema.refresh(session);
        }
    }

    Session session() {
        return session;
    }

    ResultPrinter printer() {
        return printer;
    }

    PrintWriter out() {
        return out;
    }

    void timer(boolean on) {
        timer = on;
    }

    void exit(int code) {
        exitCode = code;
    }

    /** A remark that is not a result: to standard error when not interactive, so that output stays clean. */
    void note(String message) {
        (interactive ? out : err).println(message);
        (interactive ? out : err).flush();
    }

    private void error(String message, String source, int line) {
        String where = source == null ? "" : line > 0 ? " (" + source + " line " + line + ")" : " (" + source + ")";
        err.println("Error" + where + ": " + message);
        err.flush();
    }
}
