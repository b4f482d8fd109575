package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.server.http.ApiTestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HealthCommandTest {
    private record Outcome(int exitCode, String out, String err) {}

    private static Outcome health(Map<String, String> environment, String... args) {
        CommandLine command = new CommandLine(new HealthCommand());
        command.setDefaultValueProvider(new EnvironmentOptions(environment, Set.of()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int code = command.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void aReadyNodeAtTheAddressFromHaliteHttpAddrExitsWithZero() throws Exception {
        try (ApiTestServer node = ApiTestServer.start()) {
            String address = node.baseUrl().substring("http://".length());

            Outcome outcome = health(Map.of("HALITE_HTTP_ADDR", address));

            assertThat(outcome.exitCode()).isZero();
            assertThat(outcome.out()).startsWith("ready: 200 [+]node ok [+]leader ok [+]store ok");
        }
    }

    @Test
    void aWildcardListenAddressIsCheckedThroughLoopback() throws Exception {
        try (ApiTestServer node = ApiTestServer.start()) {
            String port = node.baseUrl().substring(node.baseUrl().lastIndexOf(':') + 1);

            assertThat(health(Map.of(), "--http-addr", "0.0.0.0:" + port).exitCode()).isZero();
        }
        assertThat(HealthCommand.reachable(new HostPort("[::]", 4001))).isEqualTo("[::1]:4001");
    }

    @Test
    void nobodyListeningExitsWithOneSayingWhereItLooked() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }

        Outcome outcome = health(Map.of("HALITE_HTTP_ADDR", "127.0.0.1:" + port));

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err()).isEqualTo("halite health: cannot reach http://127.0.0.1:" + port
                + "/readyz: connection refused\n");
    }
}
