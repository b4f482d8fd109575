package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.server.tls.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over HTTPS ({@code --http-cert}): a client that does not trust the node's CA is refused; with
 * {@code --http-verify-client} a client needs a certificate signed by {@code --http-ca-cert}. Certificates are
 * made by the test (TestCa); the node's names no address, as pod certificates often do not, so clients here check
 * the chain and not the name.
 */
class HttpsTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    private ServerProcess node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private ServerProcess start(SSLContext harness, String... tlsArgs) throws Exception {
        node = new ServerProcess(dir.resolve("data"), dir.resolve("logs"), ServerProcess.freePort(),
                ServerProcess.freePort(), List.of(tlsArgs)).tls(harness);
        node.start();
        return node;
    }

    private static HttpResponse<String> get(SSLContext client, String url) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(client).connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(SSLContext client, String url, String json) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(client).connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientThatTrustsTheNodesCaIsServedAndOneWithAnotherCaIsRefused() throws Exception {
        TestCa ca = TestCa.create("halite test CA");
        TestCa other = TestCa.create("some other CA");
        TestCa.Issued server = ca.issue("node");
        Path cert = server.writeCertificate(dir.resolve("node.crt"));
        Path key = server.writeKey(dir.resolve("node.key"), TestCa.KeyFormat.TRADITIONAL);
        start(ca.clientContext(null), "--http-cert", cert.toString(), "--http-key", key.toString());
        assertThat(node.baseUrl()).startsWith("https://");

        HttpResponse<String> write = post(ca.clientContext(null), node.baseUrl() + "/db/execute",
                "[\"CREATE TABLE t(v TEXT)\", \"INSERT INTO t VALUES ('over TLS')\"]");
        assertThat(write.statusCode()).isEqualTo(200);
        assertThat(get(ca.clientContext(null), node.baseUrl() + "/db/query?q=SELECT+v+FROM+t").body())
                .isEqualTo("{\"results\":[{\"columns\":[\"v\"],\"types\":[\"text\"],\"values\":[[\"over TLS\"]]}]}");

        ServerProcess.CliResult health = ServerProcess.runCli(dir.resolve("cli"), "health", "--http-addr",
                node.baseUrl().substring("https://".length()), "--http-cert", cert.toString());
        assertThat(health.stdout()).as("the container health check over HTTPS").startsWith("ready: 200");
        assertThat(health.exitCode()).isZero();
        Path caCert = ca.writeCertificate(dir.resolve("ca.crt"));
        ServerProcess.CliResult shell = ServerProcess.runCli(dir.resolve("cli"), "shell", node.baseUrl(),
                "--ca-cert", caCert.toString(), "--no-verify-server-name", "--mode", "csv", "SELECT v FROM t");
        assertThat(shell.stdout()).as("halite shell over HTTPS").isEqualTo("v\nover TLS\n");
        assertThat(shell.exitCode()).isZero();
        ServerProcess.CliResult untrusting = ServerProcess.runCli(dir.resolve("cli"), "shell", node.baseUrl(),
                "SELECT v FROM t");
        assertThat(untrusting.exitCode()).as("halite shell without the node's CA").isNotZero();

        assertThatThrownBy(() -> get(other.clientContext(null), node.baseUrl() + "/readyz"))
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> get(SSLContext.getDefault(), node.baseUrl() + "/readyz"))
                .as("the JDK's public CAs do not vouch for it either")
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(node.baseUrl().replace("https://", "http://") + "/readyz")).GET().build(),
                HttpResponse.BodyHandlers.ofString()))
                .as("plain HTTP on the HTTPS port gets no answer")
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void withVerifyClientOnlyClientsWithACertificateFromTheClientCaAreServed() throws Exception {
        TestCa ca = TestCa.create("halite test CA");
        TestCa clients = TestCa.create("client CA");
        TestCa other = TestCa.create("some other CA");
        TestCa.Issued server = ca.issueRsa("node");
        Path cert = server.writeCertificate(dir.resolve("node.crt"));
        Path key = server.writeKey(dir.resolve("node.key"), TestCa.KeyFormat.TRADITIONAL);
        Path clientCa = clients.writeCertificate(dir.resolve("clients-ca.crt"));
        TestCa.Issued app = clients.issue("app");
        start(TestCa.clientContext(ca, app), "--http-cert", cert.toString(), "--http-key", key.toString(),
                "--http-ca-cert", clientCa.toString(), "--http-verify-client");

        assertThat(get(TestCa.clientContext(ca, app), node.baseUrl() + "/readyz").statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> get(ca.clientContext(null), node.baseUrl() + "/readyz"))
                .as("no client certificate")
                .isInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> get(TestCa.clientContext(ca, other.issue("intruder")), node.baseUrl() + "/readyz"))
                .as("a client certificate from another CA")
                .isInstanceOf(java.io.IOException.class);
        String log = Files.readString(node.logFile());
        assertThat(log).contains("TLS handshake from 127.0.0.1 failed");
    }
}
