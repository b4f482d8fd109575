package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `halite serve` processes run with --auth, the nodes presenting a user of their own to each other
 * (--node-user, its password from HALITE_NODE_PASSWORD): a follower checks permissions before it forwards, a
 * transaction belongs to the user who began it, a fourth node joins (and copies the database) with its own
 * credentials, and the JDBC driver's credentials survive a failover. One cluster serves the tests in this order
 * (each uses its own table): starting clusters is the slow part on a small machine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = RawHttp.basic("writer", "w-pass");
    private static final String OTHER = RawHttp.basic("other", "o-pass");
    private static final String READER = RawHttp.basic("reader", "r-pass");
    private static final Map<String, String> NODE_PASSWORD = Map.of("HALITE_NODE_PASSWORD", "n-pass");

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failure keeps the nodes' logs
    static Path dir;
    private ProcessCluster cluster;
    private Path users;

    @BeforeAll
    void start() throws Exception {
        // Requests without credentials may see status and readiness: the test harness polls them.
        users = new UsersFileBuilder().anonymous("ready", "status")
                .user("node", "n-pass", "join", "status", "backup")
                .user("writer", "w-pass", "query", "execute")
                .user("other", "o-pass", "query", "execute")
                .user("reader", "r-pass", "query")
                .writeTo(dir.resolve("users.json"));
        cluster = ProcessCluster.start(dir, 3, NODE_PASSWORD, "--auth", users.toString(), "--node-user", "node");
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RawHttp.Answer post(ServerProcess node, String path, String authorization, String body)
            throws Exception {
        return RawHttp.send("127.0.0.1", node.baseUrl(), "POST", path, authorization, body);
    }

    private static long appliedIndex(ServerProcess node) throws Exception {
        RawHttp.Answer status = RawHttp.send("127.0.0.1", node.baseUrl(), "GET", "/status", null, null);
        return JSON.readTree(status.body()).path("store").path("raft").path("applied_index").asLong();
    }

    private static String rows(ServerProcess node, String table, String authorization) throws Exception {
        RawHttp.Answer answer = RawHttp.send("127.0.0.1", node.baseUrl(), "GET",
                "/db/query?level=none&q=SELECT%20v%20FROM%20" + table + "%20ORDER%20BY%20v", authorization, null);
        assertThat(answer.status()).as("%s", answer).isEqualTo(200);
        return JSON.readTree(answer.body()).path("results").get(0).path("values").toString();
    }

    @Test
    @Order(1)
    void aFollowerRefusesToForwardAWriteForAUserWithoutExecuteAndTheLeaderNeverSeesIt() throws Exception {
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(post(follower, "/db/execute", WRITER, "[\"CREATE TABLE t(v TEXT)\", \"INSERT INTO t VALUES('a')\"]")
                .status()).isEqualTo(200);
        long before = appliedIndex(leader);
        while (appliedIndex(follower) < before) {
            Thread.sleep(50);
        }

        RawHttp.Answer execute = post(follower, "/db/execute", READER, "[\"INSERT INTO t VALUES('reader')\"]");
        RawHttp.Answer queued = post(follower, "/db/execute?queue", READER, "[\"INSERT INTO t VALUES('queued')\"]");
        RawHttp.Answer request = post(follower, "/db/request", READER, "[\"INSERT INTO t VALUES('request')\"]");
        for (RawHttp.Answer refused : List.of(execute, queued, request)) {
            assertThat(refused.status()).as("%s", refused).isEqualTo(403);
        }
        assertThat(JSON.readTree(execute.body()).path("error").asText())
                .isEqualTo("user 'reader' lacks the 'execute' permission");
        assertThat(JSON.readTree(request.body()).path("error").asText())
                .isEqualTo("user 'reader' lacks the 'execute' permission");
        // A read through /db/request is the reader's to make.
        assertThat(post(follower, "/db/request?level=none", READER, "[\"SELECT v FROM t\"]").status()).isEqualTo(200);

        Thread.sleep(1_000); // anything forwarded would have reached the log by now
        assertThat(appliedIndex(leader)).as("nothing reached the leader's log").isEqualTo(before);
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rows(node, "t", READER)).isEqualTo("[[\"a\"]]");
        }
    }

    @Test
    @Order(2)
    void aTransactionBegunByOneUserCannotBeUsedOrEndedByAnother() throws Exception {
        ServerProcess leader = cluster.leader();
        assertThat(post(leader, "/db/execute", WRITER, "[\"CREATE TABLE tx(v TEXT)\"]").status()).isEqualTo(200);
        RawHttp.Answer begun = post(leader, "/db/tx", WRITER, "[\"INSERT INTO tx VALUES('mine')\"]");
        assertThat(begun.status()).as("%s", begun).isEqualTo(200);
        String tx = JSON.readTree(begun.body()).path("tx").asText();

        for (String path : List.of("/db/execute?tx=" + tx, "/db/query?tx=" + tx, "/db/request?tx=" + tx,
                "/db/tx/" + tx + "/commit", "/db/tx/" + tx + "/rollback")) {
            String body = path.startsWith("/db/query") ? "[\"SELECT * FROM tx\"]"
                    : path.contains("?tx=") ? "[\"INSERT INTO tx VALUES('theirs')\"]" : null;
            RawHttp.Answer refused = post(leader, path, OTHER, body);
            assertThat(refused.status()).as(path + ": %s", refused).isEqualTo(403);
            assertThat(JSON.readTree(refused.body()).path("error").asText())
                    .isEqualTo("transaction " + tx + " was begun by another user; only that user can use or end it");
        }
        // The reader lacks execute altogether: refused before the transaction is even looked up.
        assertThat(post(leader, "/db/query?tx=" + tx, READER, "[\"SELECT * FROM tx\"]").status()).isEqualTo(403);

        assertThat(post(leader, "/db/execute?tx=" + tx, WRITER, "[\"INSERT INTO tx VALUES('mine too')\"]").status())
                .isEqualTo(200);
        RawHttp.Answer committed = post(leader, "/db/tx/" + tx + "/commit", WRITER, null);
        assertThat(committed.status()).as("%s", committed).isEqualTo(200);
        long index = JSON.readTree(committed.body()).path("raft_index").asLong();
        for (ServerProcess node : cluster.nodes()) {
            while (appliedIndex(node) < index) {
                Thread.sleep(50);
            }
            assertThat(rows(node, "tx", READER)).isEqualTo("[[\"mine\"],[\"mine too\"]]");
        }
    }

    @Test
    @Order(4)
    void jdbcWithUserAndPasswordFailsOverWhenTheLeaderIsKilled() throws Exception {
        String hosts = cluster.nodes().stream().map(n -> n.baseUrl().substring("http://".length()))
                .collect(Collectors.joining(","));
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:halite://" + hosts + "/", "writer", "wrong"))
                .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                .hasMessageContaining("the node refused the credentials: invalid user name or password");
        // Without credentials the driver connects (anonymous requests may ask /readyz here) but cannot query.
        try (Connection anonymous = DriverManager.getConnection("jdbc:halite://" + hosts + "/")) {
            assertThatThrownBy(() -> anonymous.createStatement().executeQuery("SELECT 1"))
                    .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                    .hasMessageContaining("authentication required: requests without credentials lack the 'execute' "
                            + "or 'query' permission");
        }

        int total = 60;
        try (Connection c = DriverManager.getConnection("jdbc:halite://" + hosts + "/?user=writer&password=w-pass")) {
            c.createStatement().execute("CREATE TABLE j(v INTEGER PRIMARY KEY)");
            for (int i = 0; i < total; i++) {
                if (i == total / 2) {
                    cluster.leader().kill9();
                }
                insertRetrying(c, i);
            }
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(v) FROM j")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(total);
                assertThat(rs.getLong(2)).isEqualTo((long) total * (total - 1) / 2);
            }
        }
        try (Connection reader = DriverManager.getConnection("jdbc:halite://" + hosts + "/", "reader", "r-pass")) {
            assertThatThrownBy(() -> reader.createStatement().execute("INSERT INTO j VALUES(1000)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("user 'reader' lacks the 'execute' permission")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
        }
    }

    /** A write whose outcome a failover left unknown is sent again: INSERT OR IGNORE makes that safe. */
    private static void insertRetrying(Connection c, int v) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try (PreparedStatement insert = c.prepareStatement("INSERT OR IGNORE INTO j VALUES(?)")) {
                insert.setInt(1, v);
                insert.executeUpdate();
                return;
            } catch (SQLTransientException e) {
                if (attempt > 20) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    @Test
    @Order(3)
    void aNodeJoinsAndCopiesTheDatabaseWithItsOwnCredentialsAndNotWithout() throws Exception {
        ServerProcess leader = cluster.leader();
        assertThat(post(leader, "/db/execute", WRITER, "[\"CREATE TABLE joined(v TEXT)\", "
                + "\"INSERT INTO joined VALUES('x')\"]").status()).isEqualTo(200);

        ServerProcess joined = cluster.join(dir, leader, "256m", NODE_PASSWORD, "--auth", users.toString(),
                "--node-user", "node");
        assertThat(Files.readString(joined.logFile())).contains("installed the leader's database")
                .doesNotContain("n-pass");
        assertThat(rows(joined, "joined", READER)).isEqualTo("[[\"x\"]]");

        ServerProcess stranger = new ServerProcess(dir.resolve("stranger"), dir.resolve("logs-stranger"),
                ServerProcess.freePort(), ServerProcess.freePort(), List.of("--node-id", "stranger", "--join",
                leader.baseUrl(), "--auth", users.toString(), "--node-user", "node"))
                .environment(Map.of("HALITE_NODE_PASSWORD", "guessed"));
        try {
            stranger.launch();
            assertThat(stranger.awaitExit(java.time.Duration.ofSeconds(90))).isNotZero();
        } finally {
            stranger.close();
        }
        assertThat(Files.readString(stranger.logFile())).contains("answered 401").doesNotContain("guessed");
        JsonNode nodes = JSON.readTree(RawHttp.send("127.0.0.1", leader.baseUrl(), "GET", "/nodes", null, null).body());
        assertThat(nodes.toString()).doesNotContain("stranger");
    }
}
