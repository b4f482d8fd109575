package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.server.tls.TestCa;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real members over mutual TLS (Raft and their calls to each other's API), all with certificates from one
 * CA that name no address (as pod certificates often do not). A node whose certificate another CA signed cannot
 * join and never holds a row, and both sides log the refusal; certificates replaced on disk are presented at the
 * next handshake while the cluster keeps serving.
 */
class MutualTlsClusterTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    private TestCa ca;
    private TestCa.Issued member;
    private Path memberCert;
    private Path memberKey;
    private Path caCert;
    private ProcessCluster cluster;
    private final List<ServerProcess> others = new ArrayList<>();

    @BeforeEach
    void makeCertificates() throws Exception {
        ca = TestCa.create("cluster CA");
        member = ca.issue("member");
        memberCert = member.writeCertificate(dir.resolve("tls/member.crt"));
        memberKey = member.writeKey(dir.resolve("tls/member.key"));
        caCert = ca.writeCertificate(dir.resolve("tls/ca.crt"));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (ServerProcess p : others) {
            p.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> tlsArgs(Path cert, Path key, Path trusted) {
        return List.of("--http-cert", cert.toString(), "--http-key", key.toString(),
                "--node-cert", cert.toString(), "--node-key", key.toString(), "--node-ca-cert", trusted.toString());
    }

    private ProcessCluster startCluster() throws Exception {
        return ProcessCluster.startTls(dir, 3, ca.clientContext(null),
                tlsArgs(memberCert, memberKey, caCert).toArray(String[]::new));
    }

    private long insert(ServerProcess node, String value) {
        JsonNode answer = cluster.post(node, "/db/execute?raft_index", "[[\"INSERT INTO t(v) VALUES(?)\", \"" + value + "\"]]");
        assertThat(answer).as("insert through " + node.baseUrl()).isNotNull();
        assertThat(answer.path("results").get(0).path("rows_affected").asInt()).isEqualTo(1);
        return answer.path("raft_index").asLong();
    }

    private String rows(ServerProcess node, long index) {
        JsonNode answer = cluster.get(node, "/db/query?level=none&min_index=" + index + "&q="
                + URLEncoder.encode("SELECT v FROM t ORDER BY v", StandardCharsets.UTF_8));
        assertThat(answer).as("read on " + node.baseUrl()).isNotNull();
        return answer.path("results").get(0).path("values").toString();
    }

    /** The tables in a node's database file, read directly (the node may never have served). */
    private static List<String> tablesIn(Path dataDir) throws Exception {
        Path file = dataDir.resolve("db/main.sqlite");
        List<String> tables = new ArrayList<>();
        if (!Files.exists(file)) {
            return tables;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file + "?open_mode=1");
             ResultSet rs = c.createStatement().executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static void awaitLog(ServerProcess node, String text, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!Files.readString(node.logFile()).contains(text)) {
            assertThat(System.nanoTime()).as("'" + text + "' in " + node.logFile() + ":\n" + node.logTail())
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void aNodeWithACertificateFromAnotherCaCannotJoinAndNeverHoldsARow() throws Exception {
        cluster = startCluster();
        ServerProcess n0 = cluster.nodes().get(0);
        assertThat(cluster.post(n0, "/db/execute", "[\"CREATE TABLE t(v TEXT)\"]")).isNotNull();
        long index = insert(n0, "secret");

        // It knows the cluster's CA (CA certificates are public) but its own certificate is another CA's.
        TestCa intruderCa = TestCa.create("intruder CA");
        TestCa.Issued intruder = intruderCa.issue("intruder");
        Path intruderCert = intruder.writeCertificate(dir.resolve("tls/intruder.crt"));
        Path intruderKey = intruder.writeKey(dir.resolve("tls/intruder.key"));
        List<String> args = new ArrayList<>(List.of("--node-id", "intruder", "--join", n0.baseUrl()));
        args.addAll(tlsArgs(intruderCert, intruderKey, caCert));
        ServerProcess joiner = new ServerProcess(dir.resolve("intruder"), dir.resolve("logs-intruder"),
                ServerProcess.freePort(), ServerProcess.freePort(), args);
        others.add(joiner);
        joiner.launch();
        assertThat(joiner.awaitExit(Duration.ofSeconds(90))).as("the intruder gives up").isEqualTo(1);
        // Its TLS client offers no certificate the cluster's CA did not sign, and joining needs one.
        assertThat(Files.readString(joiner.logFile())).contains("cannot join the cluster: " + n0.baseUrl()
                + " refused to add this node: POST " + n0.baseUrl() + "/join answered 403: joining needs a member "
                + "certificate: this connection presented no certificate signed by the node CA (--node-ca-cert)");
        awaitLog(n0, "refused POST /join from 127.0.0.1: this connection presented no certificate signed by the node "
                + "CA", Duration.ofSeconds(10));
        assertThat(tablesIn(joiner.dataDir())).as("the intruder's database").isEmpty();

        // Added by hand (a join sent with a member's certificate), it still receives nothing: Raft refuses it both
        // ways, and the change never completes.
        List<String> bootstrapped = new ArrayList<>(List.of("--node-id", "intruder2"));
        bootstrapped.addAll(tlsArgs(intruderCert, intruderKey, intruderCa.writeCertificate(dir.resolve("tls/ica.crt"))));
        int raftPort = ServerProcess.freePort();
        ServerProcess lone = new ServerProcess(dir.resolve("intruder2"), dir.resolve("logs-intruder2"),
                ServerProcess.freePort(), raftPort, bootstrapped);
        others.add(lone);
        lone.launch();
        awaitLog(lone, "serving HTTP on https://", Duration.ofSeconds(60));
        ServerProcess leader = cluster.leader();
        var join = java.net.http.HttpClient.newBuilder().sslContext(ca.clientContext(member)).build().send(
                java.net.http.HttpRequest.newBuilder(URI.create(leader.baseUrl() + "/join?timeout=10s"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"id\":\"intruder2\",\"addr\":\"127.0.0.1:" + raftPort + "\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(join.statusCode()).as(join.body()).isEqualTo(503);
        awaitLog(leader, "TLS handshake with 127.0.0.1 failed: the certificate of subject CN=intruder, issued by "
                + "CN=intruder CA is not accepted by the node CA (--node-ca-cert)", Duration.ofSeconds(10));
        assertThat(tablesIn(lone.dataDir())).as("the hand-added intruder's database").isEmpty();

        // halite remove over HTTPS: with the cluster's CA it reaches the node (which knows no such member); with
        // another CA's it does not.
        ServerProcess.CliResult remove = ServerProcess.runCli(dir.resolve("cli"), "remove", "--url", leader.baseUrl(),
                "--ca-cert", caCert.toString(), "--no-verify-server-name", "intruder9");
        assertThat(remove.stderr()).contains("answered 404: {\"error\":\"no member has the id intruder9\"}");
        remove = ServerProcess.runCli(dir.resolve("cli"), "remove", "--url", leader.baseUrl(),
                "--ca-cert", dir.resolve("tls/ica.crt").toString(), "--no-verify-server-name", "n1");
        assertThat(remove.exitCode()).isEqualTo(1);
        assertThat(remove.stderr()).startsWith("halite remove: cannot reach " + leader.baseUrl());

        long after = insert(cluster.nodes().get(1), "after");
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rows(node, after)).isEqualTo("[[\"after\"],[\"secret\"]]");
        }
        assertThat(index).isLessThan(after);
    }

    private String jdbcUrl(String host, String options) {
        return "jdbc:halite://" + String.join(",", cluster.nodes().stream()
                .map(n -> host + ":" + URI.create(n.baseUrl()).getPort()).toList())
                + "/?ssl=true&sslrootcert=" + caCert + options;
    }

    /** With users too: the driver sends its user's credentials over TLS to every node, the new leader included. */
    @Test
    void jdbcWithAuthOverTlsChecksTheNodesNameAndFailsOverWhenTheLeaderIsKilled() throws Exception {
        TestCa.Issued named = ca.issue("member", "127.0.0.1");
        named.writeKey(memberKey);
        named.writeCertificate(memberCert);
        // The harness polls readiness and status without credentials.
        Path users = new UsersFileBuilder().anonymous("ready", "status")
                .user("node", "n-pass", "join", "status", "backup")
                .user("app", "app-pass", "query", "execute")
                .writeTo(dir.resolve("users.json"));
        List<String> args = new ArrayList<>(tlsArgs(memberCert, memberKey, caCert));
        args.addAll(List.of("--auth", users.toString(), "--node-user", "node"));
        cluster = ProcessCluster.startTls(dir, 3, ca.clientContext(null), Map.of("HALITE_NODE_PASSWORD", "n-pass"),
                args.toArray(String[]::new));

        assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl("127.0.0.1",
                "&timeout=5s&user=app&password=wrong")).createStatement().executeQuery("SELECT 1"))
                .isInstanceOf(java.sql.SQLException.class)
                .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("28000"));
        try (Connection c = DriverManager.getConnection(jdbcUrl("127.0.0.1",
                "&timeout=20s&user=app&password=app-pass"))) {
            c.createStatement().execute("CREATE TABLE t(v TEXT)");
            c.setAutoCommit(false);
            c.createStatement().executeUpdate("INSERT INTO t VALUES ('in a transaction')");
            c.commit();
            c.setAutoCommit(true);
            ServerProcess leader = cluster.leader();
            leader.kill9();
            // A read is retried on another node (a write to the dead leader's open socket would be of unknown
            // outcome); the connection then stays there, and writes go through it to the new leader.
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            c.createStatement().executeUpdate("INSERT INTO t VALUES ('after the leader died')");
            try (ResultSet rs = c.createStatement().executeQuery("SELECT group_concat(v, '|') FROM t")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("in a transaction|after the leader died");
            }
        }
        // The certificate names 127.0.0.1, not localhost: verify-full (the default) refuses it, verify-ca does not.
        assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl("localhost", "&timeout=5s")))
                .isInstanceOf(java.sql.SQLNonTransientConnectionException.class)
                .hasMessageContaining("the TLS handshake with localhost:");
        try (Connection c = DriverManager.getConnection(jdbcUrl("localhost",
                "&sslmode=verify-ca&timeout=20s&user=app&password=app-pass"));
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
        Path otherCa = TestCa.create("other CA").writeCertificate(dir.resolve("tls/other-ca.crt"));
        assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl("127.0.0.1", "&timeout=5s")
                .replace(caCert.toString(), otherCa.toString())))
                .isInstanceOf(java.sql.SQLNonTransientConnectionException.class);
    }

    /** The certificate the node at {@code url} presents in a new TLS handshake. */
    private X509Certificate presented(String url) throws Exception {
        URI uri = URI.create(url);
        SSLContext client = ca.clientContext(null);
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void replacedCertificatesArePresentedAtTheNextHandshakeWhileTheClusterKeepsServing() throws Exception {
        cluster = startCluster();
        ServerProcess n0 = cluster.nodes().get(0);
        assertThat(cluster.post(n0, "/db/execute", "[\"CREATE TABLE t(v TEXT)\"]")).isNotNull();
        insert(n0, "before");
        assertThat(presented(n0.baseUrl()).getSerialNumber()).isEqualTo(member.certificate().getSerialNumber());

        // A replacement whose key does not match is not taken: the node keeps presenting the old certificate.
        ca.issue("member").writeCertificate(memberCert);
        awaitLog(n0, "cannot be used, so the previous one stays in force: the private key in " + memberKey
                + " does not match the certificate in " + memberCert, Duration.ofSeconds(15));
        assertThat(presented(n0.baseUrl()).getSerialNumber()).isEqualTo(member.certificate().getSerialNumber());

        TestCa.Issued renewed = ca.issue("member");
        renewed.writeKey(memberKey);
        renewed.writeCertificate(memberCert);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        for (ServerProcess node : cluster.nodes()) {
            while (!presented(node.baseUrl()).getSerialNumber().equals(renewed.certificate().getSerialNumber())) {
                assertThat(System.nanoTime()).as("the renewed certificate on " + node.baseUrl()).isLessThan(deadline);
                Thread.sleep(200);
            }
        }
        long index = 0;
        for (ServerProcess node : cluster.nodes()) {
            index = insert(node, "after-" + cluster.nodes().indexOf(node));
        }
        // A member restarted now connects with the renewed certificate only, and catches up.
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.kill9();
        index = insert(leader, "while-down");
        follower.start();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rows(node, index)).isEqualTo("[[\"after-0\"],[\"after-1\"],[\"after-2\"],[\"before\"],[\"while-down\"]]");
        }
    }
}
