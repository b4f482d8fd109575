package io.halite.bench;

import io.halite.server.auth.Login;
import io.halite.server.cli.ClientCredentials;
import io.halite.server.cli.ClientTlsOptions;
import io.halite.server.cli.Durations;
import io.halite.server.cli.HaliteCommand;
import io.halite.server.cli.LogFormat;
import io.halite.server.cli.Passwords;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite bench}: drives a running node with the shared workloads and prints RESULT lines. */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = HaliteCommand.Version.class, sortOptions = false,
        description = {
            "Measures a running Halite node or cluster with the shared workloads and prints one RESULT line per configuration (system, workload, nodes, clients, ops_per_s, p50_ms, p99_ms, errors).",
            "",
            "Each client is a closed loop (send, wait, send). The kv table is created if missing; kvread preloads 100,000 rows unless an earlier run did. The benchmark writes to the target database: do not point it at data you care about.",
            ""
        })
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--workload", defaultValue = "kvwrite", split = ",",
            description = "kvwrite, kvread, batch100, or tx (one kvread and one kvwrite in an interactive transaction; needs --client jdbc); several may be given, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> workloads;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:4001", description = "The node to send requests to, http:// or https:// (default: ${DEFAULT-VALUE}).")
    URI url;

    @picocli.CommandLine.Mixin
    ClientTlsOptions tls;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "1,8,64", split = ",", description = "Concurrent clients, one run per value (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    String secondsText;

    @Option(names = "--warmup", defaultValue = "3s", converter = Durations.class, description = "Unmeasured time before each run (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--client", defaultValue = "http",
            description = "http: requests on keep-alive connections (system=halite); jdbc: the Halite JDBC driver with a HikariCP pool of one connection per client and PreparedStatements (system=halite-jdbc) (default: ${DEFAULT-VALUE}).")
    String client;

    @Option(names = "--level", description = "Read consistency level for kvread (none, weak, linearizable, strong); default: the server's (weak).")
    String level;

    @CommandLine.Mixin
    ClientCredentials credentials;

    public static void main(String[] args) {
        LogFormat.applyFromEnvironment();
        System.exit(new CommandLine(new BenchCommand()).setCommandName("halite bench").execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Duration measured = Benchmark.parseSeconds(secondsText);
        Login login;
        try {
            login = credentials.login();
        } catch (Passwords.Missing e) {
            System.err.println("halite bench: " + e.getMessage());
            return 1;
        }
        Benchmark.ClientKind kind = switch (client) {
            case "http" -> Benchmark.ClientKind.HTTP;
            case "jdbc" -> Benchmark.ClientKind.JDBC;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--client must be http or jdbc, not '" + client + "'");
        };
        Benchmark benchmark = new Benchmark(url, level, kind, login, tls.forUrl(url, spec.commandLine()));
        try {
            for (String name : workloads) {
                for (int c : clients) {
                    System.out.println(benchmark.run(name, c, warmup, measured).line());
                    System.out.flush();
                }
            }
        } catch (java.net.ConnectException e) {
            System.err.println("halite bench: nothing answers at " + url + " (is the node running?)");
            return 1;
        }
        return 0;
    }
}
