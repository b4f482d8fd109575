package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `halite serve` processes and statements that never end: each fails with the budget error on every replica,
 * the cluster goes on writing at once, a member that was down replays them to the same outcome, and runaway reads
 * give their connections back at their timeout. The budget here is 100 million steps (well under a second).
 */
class RunawayStatementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BUDGET = 100_000_000;
    private static final String STOPPED = "statement stopped: it took more than its budget of " + BUDGET + " SQLite steps";
    private static final String RUNAWAY_READ =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";
    private static final String RUNAWAY_WRITE =
            "INSERT INTO t(v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c";

    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String post(ServerProcess node, String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = cluster.send(node, "POST", path, body);
        assertThat(response.statusCode()).as("%s %s: %s", path, body, response.body()).isEqualTo(expectedStatus);
        return response.body();
    }

    private static String json(Object... statements) throws Exception {
        return JSON.writeValueAsString(statements);
    }

    private long highestIndex() {
        long index = 0;
        for (ServerProcess node : cluster.nodes()) {
            if (node.isAlive()) {
                index = Math.max(index, cluster.get(node, "/status").path("store").path("raft").path("applied_index").asLong());
            }
        }
        return index;
    }

    private void assertReplicasEqual() throws Exception {
        long index = highestIndex();
        Set<String> checksums = new HashSet<>();
        for (ServerProcess node : cluster.nodes()) {
            checksums.add(cluster.checksumOnceApplied(node, index));
        }
        assertThat(checksums).as("every replica at index %d holds the same content", index).hasSize(1);
    }

    @Test
    void runawayStatementsFailOnEveryReplicaAndTheClusterGoesOnWriting() throws Exception {
        cluster = ProcessCluster.start(dir, 3, "--statement-budget", Long.toString(BUDGET));
        List<ServerProcess> nodes = cluster.nodes();
        ServerProcess leader = cluster.leader();
        ServerProcess follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        ServerProcess away = nodes.stream().filter(n -> n != leader && n != follower).findFirst().orElseThrow();
        post(follower, "/db/execute", json("CREATE TABLE t(id INTEGER PRIMARY KEY, v)"), 200);
        assertReplicasEqual();
        // This member misses the runaway entries and replays them from the log when it comes back.
        away.kill9();

        // A read sent as a write is tried first and never reaches the log.
        long before = highestIndex();
        assertThat(post(follower, "/db/execute", json(RUNAWAY_READ), 200))
                .isEqualTo("{\"results\":[{\"error\":\"" + STOPPED + "\"}]}");
        assertThat(post(leader, "/db/request", json("INSERT INTO t(v) VALUES ('never')", RUNAWAY_READ), 200))
                .isEqualTo("{\"results\":[{\"error\":\"not run: statement 2 of the request exceeds its budget, so the "
                        + "request was refused before it reached the log\"},{\"error\":\"" + STOPPED + "\"}]}");
        assertThat(highestIndex()).isEqualTo(before);

        // Writes go through the log and are stopped there, on every replica alike; the next write goes at once.
        assertThat(post(follower, "/db/execute", json(RUNAWAY_WRITE), 200))
                .isEqualTo("{\"results\":[{\"error\":\"" + STOPPED + "\"}]}");
        long start = System.nanoTime();
        assertThat(post(follower, "/db/execute", json("INSERT INTO t(v) VALUES ('after')"), 200))
                .isEqualTo("{\"results\":[{\"last_insert_id\":1,\"rows_affected\":1}]}");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(post(leader, "/db/request", json("INSERT INTO t(v) VALUES ('one')", RUNAWAY_WRITE,
                "INSERT INTO t(v) VALUES ('two')"), 200)).isEqualTo("{\"results\":[{\"last_insert_id\":2,"
                + "\"rows_affected\":1},{\"error\":\"" + STOPPED + "\"},{\"last_insert_id\":3,\"rows_affected\":1}]}");
        assertThat(post(follower, "/db/execute?transaction", json("INSERT INTO t(v) VALUES ('undone')",
                RUNAWAY_WRITE), 200)).isEqualTo("{\"results\":[{\"last_insert_id\":4,\"rows_affected\":1},"
                + "{\"error\":\"" + STOPPED + "\"}]}");

        // In an interactive transaction (on the leader): a runaway read fails alone, a runaway write aborts it.
        JsonNode begun = JSON.readTree(post(leader, "/db/tx", json(RUNAWAY_READ), 200));
        assertThat(begun.path("results").toString()).isEqualTo("[{\"error\":\"" + STOPPED + "\"}]");
        String tx = begun.path("tx").asText();
        post(leader, "/db/execute?tx=" + tx, json("INSERT INTO t(v) VALUES ('in tx')"), 200);
        assertThat(JSON.readTree(post(leader, "/db/tx/" + tx + "/commit", "", 200)).path("raft_index").asLong())
                .isPositive();
        String doomed = JSON.readTree(post(leader, "/db/tx", "", 200)).path("tx").asText();
        post(leader, "/db/execute?tx=" + doomed, json("INSERT INTO t(v) VALUES ('doomed')"), 200);
        assertThat(post(leader, "/db/execute?tx=" + doomed, json(RUNAWAY_WRITE), 409))
                .isEqualTo("{\"error\":\"transaction " + doomed + " was aborted: SQLite rolled back the transaction: "
                        + STOPPED + "\"}");

        String expected = "[[1,\"after\"],[2,\"one\"],[3,\"two\"],[4,\"in tx\"]]";
        assertThat(cluster.get(leader, "/db/query?q=" + URLEncoder.encode("SELECT id, v FROM t ORDER BY id",
                StandardCharsets.UTF_8)).path("results").path(0).path("values").toString()).isEqualTo(expected);

        // The member that was away replays every runaway entry from the log, to the same outcome.
        away.start();
        assertReplicasEqual();
        assertThat(post(away, "/db/execute", json("INSERT INTO t(v) VALUES ('back')"), 200))
                .isEqualTo("{\"results\":[{\"last_insert_id\":5,\"rows_affected\":1}]}");
        assertReplicasEqual();

        // Large but legitimate statements fit the budget.
        assertThat(post(leader, "/db/execute", json("CREATE TABLE big(id INTEGER PRIMARY KEY, k TEXT)",
                "INSERT INTO big(k) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000) "
                        + "SELECT printf('k%07d', x) FROM c",
                "CREATE TABLE copy(id INTEGER PRIMARY KEY, k TEXT)",
                "INSERT INTO copy SELECT * FROM big WHERE id % 5 = 0"), 200)).doesNotContain("error")
                .contains("\"rows_affected\":1000000", "\"rows_affected\":200000");
        assertThat(cluster.get(follower, "/db/query?level=none&min_index=" + highestIndex() + "&q=" + URLEncoder.encode(
                "SELECT count(*), max(k) FROM big WHERE k LIKE '%7%'", StandardCharsets.UTF_8)).path("results")
                .path(0).path("values").toString()).isEqualTo("[[468559,\"k0999997\"]]");
        assertReplicasEqual();
    }

    /**
     * With a budget of 1.5 billion steps a runaway write holds the writer for about 10 s here. SIGTERM stops it at
     * once; the entry is committed in the log, so the restarted node applies it again, to the same budget error.
     */
    @Test
    void shutdownStopsARunningStatementAndTheRestartAppliesItsEntryAgain() throws Exception {
        cluster = ProcessCluster.start(dir, 1, "--statement-budget", "1500000000");
        ServerProcess node = cluster.nodes().get(0);
        post(node, "/db/execute", json("CREATE TABLE t(id INTEGER PRIMARY KEY, v)"), 200);
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> runaway = client.submit(() -> cluster.send(node, "POST", "/db/execute",
                    json(RUNAWAY_WRITE, "INSERT INTO t(v) VALUES ('after the runaway')")));
            Thread.sleep(1500);
            long start = System.nanoTime();
            assertThat(node.stop()).as("exit code after SIGTERM").isEqualTo(0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            HttpResponse<String> answer = runaway.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer.statusCode() + " " + answer.body())
                    .isEqualTo("503 {\"error\":\"the write was not confirmed, so it may or may not have been applied: the node "
                            + "shut down while applying it (it is in the log, and applied when the node starts again)\"}");
        } finally {
            client.shutdownNow();
        }
        node.start();
        // The restarted node applies the runaway entry again (about 10 s) before a linearizable read is answered.
        assertThat(cluster.get(node, "/db/query?level=linearizable&q=" + URLEncoder.encode("SELECT v FROM t",
                        StandardCharsets.UTF_8))
                .path("results").path(0).path("values").toString()).isEqualTo("[[\"after the runaway\"]]");
        assertThat(post(node, "/db/execute", json("INSERT INTO t(v) VALUES ('next')"), 200))
                .isEqualTo("{\"results\":[{\"last_insert_id\":2,\"rows_affected\":1}]}");
    }

    @Test
    void runawayReadsStopAtTheirTimeoutAndGiveTheirConnectionsBack() throws Exception {
        cluster = ProcessCluster.start(dir, 1, "--read-connections", "2");
        ServerProcess node = cluster.nodes().get(0);
        String runaway = "/db/query?level=none&timeout=500ms&q=" + URLEncoder.encode(RUNAWAY_READ, StandardCharsets.UTF_8);
        ExecutorService clients = Executors.newFixedThreadPool(9);
        try {
            long start = System.nanoTime();
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                answers.add(clients.submit(() -> cluster.send(node, "GET", runaway, null)));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                assertThat(response.statusCode() + " " + response.body()).isIn(
                        "200 {\"results\":[{\"error\":\"statement stopped: it ran past the request's timeout\"}]}",
                        "503 {\"error\":\"all 2 read connections stayed busy for 500 ms\"}");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            long select = System.nanoTime();
            HttpResponse<String> one = cluster.send(node, "GET", "/db/query?level=none&q=SELECT+1", null);
            assertThat(one.body()).isEqualTo("{\"results\":[{\"columns\":[\"1\"],\"types\":[\"integer\"],\"values\":[[1]]}]}");
            assertThat(Duration.ofNanos(System.nanoTime() - select)).isLessThan(Duration.ofMillis(500));
        } finally {
            clients.shutdownNow();
        }
    }
}
