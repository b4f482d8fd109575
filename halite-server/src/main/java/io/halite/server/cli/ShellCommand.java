package io.halite.server.cli;

import io.halite.server.auth.Login;
import io.halite.server.shell.Shell;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code halite shell}: an interactive SQL shell, or a script runner, against any member of a cluster. */
@Command(name = "shell", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "An SQL shell on a Halite cluster: statements end with ';' and may span lines; dot-commands (.help lists them) look at the cluster, dump, back up, restore and run transactions.",
            "",
            "Give one or more node URLs (default http://127.0.0.1:4001): when the node in use cannot be reached, the next one takes over.",
            "Interactive at a terminal (history in ~/.halite_history, Tab completes). With SQL arguments, or with input from a pipe or file, it runs them, prints the results and stops at the first error, exiting with 1 (--keep-going runs the rest, and still exits with 1).",
            "",
            "  halite shell http://10.0.0.1:4001 http://10.0.0.2:4001",
            "  halite shell localhost:4001 \"SELECT * FROM users;\"",
            "  halite shell --mode csv localhost:4001 < report.sql",
            ""
        })
public final class ShellCommand implements Callable<Integer> {
    private static final Pattern URL = Pattern.compile("(?i)https?://\\S+");
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+:\\d{1,5}");

    @Parameters(paramLabel = "URL|SQL", arity = "0..*",
            description = "Node URLs (http://host:port, or host:port), then SQL to run instead of reading input.")
    List<String> arguments = new ArrayList<>();

    @Option(names = "--keep-going", description = "Run the rest of the input after an error (the exit code is still 1).")
    boolean keepGoing;

    @Option(names = "--mode", defaultValue = "table", paramLabel = "csv|json|line|table",
            description = "How rows are printed (default: ${DEFAULT-VALUE}); .mode changes it.")
    String mode;

    @Option(names = "--headers", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Print column names (default: on; --no-headers turns them off).")
    boolean headers;

    @Option(names = "--consistency", defaultValue = "weak", paramLabel = "none|weak|linearizable|strong",
            description = "Read consistency (default: ${DEFAULT-VALUE}); .consistency changes it.")
    String consistency;

    @Option(names = "--tx-idle-timeout", defaultValue = "60s", converter = Durations.class, paramLabel = "DURATION",
            description = "An interactive transaction left idle this long is aborted by the leader (default: ${DEFAULT-VALUE}, at most 10m): it holds the write lock meanwhile.")
    Duration txIdleTimeout;

    @CommandLine.Mixin
    ClientCredentials credentials;

    @CommandLine.Mixin
    ClientTlsOptions tls;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<URI> nodes = new ArrayList<>();
        List<String> sql = new ArrayList<>();
        for (String argument : arguments) {
            if (sql.isEmpty() && URL.matcher(argument).matches()) {
                nodes.add(URI.create(argument));
            } else if (sql.isEmpty() && HOST_PORT.matcher(argument).matches()) {
                nodes.add(URI.create("http://" + argument));
            } else {
                sql.add(argument);
            }
        }
        if (nodes.isEmpty()) {
            nodes.add(URI.create("http://127.0.0.1:4001"));
        }
        Shell shell;
        try {
            Login login = credentials.login();
            shell = new Shell(new Shell.Options(nodes, login == null ? null : login.authorization(), http(nodes),
                    keepGoing, mode, headers, consistency, txIdleTimeout));
        } catch (Passwords.Missing e) {
            System.err.println("halite shell: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("halite shell: " + e.getMessage());
            return 2;
        }
        if (!sql.isEmpty()) {
            return shell.runTexts(sql);
        }
        if (System.console() != null) {
            return shell.runInteractive(Path.of(System.getProperty("user.home"), ".halite_history"));
        }
        return shell.runScript(new InputStreamReader(System.in, StandardCharsets.UTF_8), "stdin");
    }

    /** A client builder for the nodes: with --ca-cert, --cert and --key for https:// ones (all of them alike). */
    private java.net.http.HttpClient.Builder http(List<URI> nodes) {
        io.halite.server.tls.ClientTls clientTls = null;
        for (URI node : nodes) {
            io.halite.server.tls.ClientTls forNode = tls.forUrl(node, spec.commandLine());
            clientTls = clientTls != null ? clientTls : forNode;
        }
        return clientTls == null ? java.net.http.HttpClient.newBuilder() : clientTls.httpClient();
    }
}
