package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Discovery options that cannot work are refused before anything starts, with a message saying why. */
class DiscoveryOptionsTest {
    @TempDir
    Path dir;

    /** Runs {@code serve} with {@code args}; returns its exit code and what it printed to standard error. */
    private String refusal(Map<String, String> environment, String... args) {
        CommandLine command = new CommandLine(new ServeCommand());
        command.setDefaultValueProvider(new EnvironmentOptions(environment, BackupStorageOptions.SECRET_OPTIONS));
        StringWriter err = new StringWriter();
        command.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(), "--node-id", "n1"));
        all.addAll(List.of(args));
        assertThat(command.execute(all.toArray(String[]::new))).as(err.toString()).isEqualTo(2);
        assertThat(dir.resolve("data")).as("nothing written").satisfies(d -> assertThat(Files.exists(d)).isFalse());
        return err.toString().lines().findFirst().orElse("");
    }

    private String refusal(String... args) {
        return refusal(Map.of(), args);
    }

    @Test
    void bootstrapExpectAndJoinDnsGoTogether() {
        String together = "--bootstrap-expect and --join-dns go together: the number of nodes that start the "
                + "cluster, and the name whose addresses they are found at";
        assertThat(refusal("--bootstrap-expect", "3")).isEqualTo(together);
        assertThat(refusal("--join-dns", "halite")).isEqualTo(together);
        assertThat(refusal(Map.of("HALITE_JOIN_DNS", "halite"))).isEqualTo(together);
    }

    @Test
    void discoveryExcludesStaticMembership() {
        String excludes = "--join-dns excludes --peers and --join: it finds the members itself";
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "halite", "--peers", "n1@127.0.0.1:4002"))
                .isEqualTo(excludes);
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "halite", "--join", "http://10.0.0.1:4001"))
                .isEqualTo(excludes);
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "halite", "--non-voter"))
                .isEqualTo("--non-voter needs --join: a non-voting member joins a running cluster");
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertThat(refusal("--bootstrap-expect", "0", "--join-dns", "halite"))
                .isEqualTo("--bootstrap-expect must be at least 1, not 0");
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "http://halite:4001"))
                .isEqualTo("--join-dns takes a DNS name such as halite.default.svc.cluster.local, not "
                        + "'http://halite:4001' (the port comes from --join-dns-port)");
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "halite", "--join-dns-port", "70000"))
                .isEqualTo("--join-dns-port must be a port from 1 to 65535, not 70000");
        assertThat(refusal("--bootstrap-expect", "3", "--join-dns", "halite", "--bootstrap-timeout", "0s"))
                .isEqualTo("--bootstrap-timeout must be positive");
        assertThat(refusal("--bootstrap-timeout", "10s"))
                .isEqualTo("--join-dns-port and --bootstrap-timeout need --join-dns");
    }
}
