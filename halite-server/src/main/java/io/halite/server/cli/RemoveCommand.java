package io.halite.server.cli;

import io.halite.server.auth.Login;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code halite remove}: takes a member out of the cluster through any member's {@code DELETE /remove}. */
@Command(name = "remove", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Removes a member from the cluster. Ask any member that is still in it; the change goes through the leader and is committed by a majority.",
            "",
            "The removed node stops taking part. To bring it back, start it with --join (its data is replaced by a fresh copy).",
            ""
        })
public final class RemoveCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NODE-ID", description = "The id of the member to remove.")
    String nodeId;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:4001", description = "A member's HTTP API, http:// or https:// (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--timeout", defaultValue = "30s", converter = Durations.class, description = "How long to wait for the change to commit (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @CommandLine.Mixin
    ClientCredentials credentials;

    @CommandLine.Mixin
    ClientTlsOptions tls;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Login login;
        try {
            login = credentials.login();
        } catch (Passwords.Missing e) {
            System.err.println("halite remove: " + e.getMessage());
            return 1;
        }
        String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("id", nodeId));
        io.halite.server.tls.ClientTls clientTls = tls.forUrl(url, spec.commandLine());
        HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/remove?timeout=" + timeout.toMillis() + "ms"))
                .timeout(timeout.plusSeconds(5))
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body));
        if (login != null) {
            request.header("Authorization", login.authorization());
        }
        HttpResponse<String> response;
        try {
            HttpClient.Builder http = clientTls == null ? HttpClient.newBuilder() : clientTls.httpClient();
            response = http.connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            System.err.println("halite remove: cannot reach " + url + ": " + e.getMessage());
            return 1;
        }
        if (response.statusCode() == 200) {
            System.out.println("removed " + nodeId);
            return 0;
        }
        System.err.println("halite remove: " + url + " answered " + response.statusCode() + ": " + response.body().strip());
        return 1;
    }
}
