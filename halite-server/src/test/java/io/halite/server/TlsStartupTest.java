package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.server.tls.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code halite serve} refuses unusable TLS input at start, with a message that names the file and the problem
 * and no stack trace: a certificate that does not match its key, an expired certificate, a file that is not PEM
 * or does not exist, and options that do not go together.
 */
class TlsStartupTest {
    @TempDir
    Path dir;

    /** Runs serve with {@code args}; returns everything it printed, after checking it refused to start. */
    private String refused(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("serve", "--data-dir", dir.resolve("data").toString(),
                "--http-addr", "127.0.0.1:" + ServerProcess.freePort(),
                "--raft-addr", "127.0.0.1:" + ServerProcess.freePort()));
        command.addAll(List.of(args));
        ServerProcess.CliResult result = ServerProcess.runCli(dir.resolve("out"), command.toArray(String[]::new));
        String printed = result.stdout() + result.stderr();
        assertThat(result.exitCode()).as(printed).isNotZero();
        assertThat(printed).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("serving HTTP");
        return printed;
    }

    @Test
    void unusableCertificatesAndKeysAreRefusedNamingTheFileAndTheProblem() throws Exception {
        TestCa ca = TestCa.create("test CA");
        TestCa.Issued node = ca.issue("node");
        Path cert = node.writeCertificate(dir.resolve("node.crt"));
        Path key = node.writeKey(dir.resolve("node.key"));
        Path otherKey = ca.issue("someone else").writeKey(dir.resolve("other.key"));
        Instant now = Instant.now();
        TestCa.Issued expired = ca.issue("expired", TestCa.ecKeys(), now.minus(Duration.ofDays(30)),
                now.minus(Duration.ofDays(1)));
        Path expiredCert = expired.writeCertificate(dir.resolve("expired.crt"));
        Path expiredKey = expired.writeKey(dir.resolve("expired.key"));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "this is not a certificate\n");
        Path damaged = Files.writeString(dir.resolve("damaged.crt"),
                "-----BEGIN CERTIFICATE-----\nMIIB!!not base64!!\n-----END CERTIFICATE-----\n");
        Path missing = dir.resolve("missing.crt");

        assertThat(refused("--http-cert", cert.toString(), "--http-key", otherKey.toString()))
                .contains("the private key in " + otherKey + " does not match the certificate in " + cert
                        + " (subject CN=node, issued by CN=test CA)");
        assertThat(refused("--http-cert", expiredCert.toString(), "--http-key", expiredKey.toString()))
                .contains("the certificate in " + expiredCert + " (subject CN=expired, issued by CN=test CA) expired on "
                        + expired.certificate().getNotAfter().toInstant());
        assertThat(refused("--http-cert", garbage.toString(), "--http-key", key.toString()))
                .contains(garbage + " holds no PEM certificate");
        assertThat(refused("--http-cert", damaged.toString(), "--http-key", key.toString()))
                .contains(damaged + " is not a valid PEM certificate file");
        assertThat(refused("--http-cert", cert.toString(), "--http-key", garbage.toString()))
                .contains(garbage + " holds no PEM private key");
        assertThat(refused("--http-cert", missing.toString(), "--http-key", key.toString()))
                .contains(missing + " does not exist");
        assertThat(refused("--http-cert", cert.toString(), "--http-key", key.toString(),
                "--http-ca-cert", garbage.toString())).contains(garbage + " holds no PEM certificate");
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefused() throws Exception {
        TestCa ca = TestCa.create("test CA");
        TestCa.Issued node = ca.issue("node");
        String cert = node.writeCertificate(dir.resolve("node.crt")).toString();
        String key = node.writeKey(dir.resolve("node.key")).toString();
        String caCert = ca.writeCertificate(dir.resolve("ca.crt")).toString();

        assertThat(refused("--http-cert", cert)).contains("--http-cert needs --http-key (its private key)");
        assertThat(refused("--http-cert", cert, "--http-key", key, "--http-verify-client"))
                .contains("--http-verify-client needs --http-ca-cert");
        assertThat(refused("--node-cert", cert, "--node-key", key))
                .contains("mutual TLS between members needs all of --node-cert, --node-key and --node-ca-cert");
        assertThat(refused("--node-cert", cert, "--node-key", key, "--node-ca-cert", caCert))
                .contains("--node-cert needs HTTPS (--http-cert and --http-key)");
        assertThat(refused("--http-cert", cert, "--http-key", key, "--node-cert", cert, "--node-key", key,
                "--node-ca-cert", caCert, "--join", "http://127.0.0.1:1"))
                .contains("--join must use https:// URLs with --node-cert");
    }
}
