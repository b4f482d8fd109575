package io.halite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
    private record Run(int code, String stderr) {}

    private static Run bench(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new BenchCommand()).execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(previous);
        }
    }

    @Test
    void aBenchmarkOfAnAddressNothingAnswersAtSaysSoWithoutAStackTrace() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        Run run = bench("--url", "http://127.0.0.1:" + port, "--clients", "1", "--seconds", "1");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.stderr())
                .isEqualTo("halite bench: nothing answers at http://127.0.0.1:" + port + " (is the node running?)\n");
    }

    @Test
    void tlsOptionsWithAPlainHttpUrlAreRefused() {
        Run run = bench("--url", "http://127.0.0.1:1", "--ca-cert", "ca.crt");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.stderr()).startsWith("--ca-cert, --cert and --key need an https:// URL, not http://127.0.0.1:1\n");
    }
}
