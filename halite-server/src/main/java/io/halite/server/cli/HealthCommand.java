package io.halite.server.cli;

import io.halite.server.auth.Login;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code halite health}: whether the node on this machine is ready, as an exit code, for a container's health
 * check where no curl is installed. It reads the same {@code HALITE_HTTP_ADDR} as the node it checks.
 */
@Command(name = "health", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = EnvironmentOptions.class,
        description = {
            "Asks the node on this machine whether it is ready (GET /readyz): exit code 0 if it is, 1 if not, with its answer. The container image's HEALTHCHECK runs it.",
            "",
            "--http-addr is the node's own listen address, and is read from HALITE_HTTP_ADDR as 'halite serve' reads it; a wildcard (0.0.0.0, [::]) is reached through loopback.",
            "With HTTPS (--http-cert, or HALITE_HTTP_CERT) it trusts exactly the node's own certificate, and presents --node-cert (HALITE_NODE_CERT) where the node requires client certificates.",
            ""
        })
public final class HealthCommand implements Callable<Integer> {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--http-addr", defaultValue = "127.0.0.1:4001", paramLabel = "host:port",
            description = "The address the node's HTTP API listens on (default: ${DEFAULT-VALUE}).")
    String httpAddr;

    /** For a node run with --auth whose users file does not grant ready to requests without credentials. */
    @CommandLine.Mixin
    ClientCredentials credentials;

    @Option(names = "--http-cert", paramLabel = "FILE",
            description = "The node's HTTPS certificate (as given to 'halite serve'): check it over HTTPS, trusting this certificate.")
    java.nio.file.Path httpCert;

    @Option(names = "--node-cert", paramLabel = "FILE", description = "A certificate to present, for a node started with --http-verify-client.")
    java.nio.file.Path nodeCert;

    @Option(names = "--node-key", paramLabel = "FILE", description = "The private key of --node-cert.")
    java.nio.file.Path nodeKey;

    @Override
    public Integer call() throws InterruptedException {
        URI readyz = URI.create((httpCert == null ? "http://" : "https://")
                + reachable(HostPort.parse(httpAddr, "--http-addr")) + "/readyz");
        HttpClient.Builder client = HttpClient.newBuilder();
        if (httpCert != null) {
            try {
                // The node's own certificate is the one to expect: no CA or name needs to fit this machine's view.
                client = io.halite.server.tls.ClientTls.load(httpCert, nodeKey == null ? null : nodeCert, nodeKey,
                        false).httpClient();
            } catch (io.halite.server.tls.TlsFileException e) {
                spec.commandLine().getErr().println("halite health: " + e.getMessage());
                return 1;
            }
        }
        HttpResponse<String> response;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(readyz).timeout(TIMEOUT).GET();
            Login login = credentials.login();
            if (login != null) {
                request.header("Authorization", login.authorization());
            }
            response = client.connectTimeout(TIMEOUT).build().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Passwords.Missing e) {
            spec.commandLine().getErr().println("halite health: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            spec.commandLine().getErr().println("halite health: cannot reach " + readyz + ": "
                    + Unreachable.describe(e, TIMEOUT));
            return 1;
        }
        String answer = response.statusCode() + " " + response.body().strip().replace('\n', ' ');
        if (response.statusCode() == 200) {
            spec.commandLine().getOut().println("ready: " + answer);
            return 0;
        }
        spec.commandLine().getErr().println("halite health: not ready: " + answer);
        return 1;
    }

    /** {@code address} as a client on this machine dials it: a wildcard bind is reached through loopback. */
    static String reachable(HostPort address) {
        String host = switch (address.host()) {
            case "0.0.0.0" -> "127.0.0.1";
            case "[::]", "::" -> "[::1]";
            default -> address.host();
        };
        return host + ":" + address.port();
    }
}
