package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent interactive transactions on real nodes, where each begins on the writes of those committed before it
 * while their entries are still on their way through the log. Every transaction reads a counter and writes the value
 * it read plus one: a transaction that missed a predecessor's write would lose an increment. The counter must equal
 * the number of acknowledged commits on every replica, and on three nodes some entries must carry several
 * transactions.
 */
class PipelinedTransactionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 8;

    @TempDir
    Path dir;
    private ProcessCluster cluster;

    @AfterEach
    void stop() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void concurrentTransactionsOnOneNodeLoseNoIncrement() throws Exception {
        cluster = ProcessCluster.start(dir, 1);
        // One node's Raft round (an fsync) is shorter than a transaction's three requests: groups are rare here.
        runIncrements(25, false);
    }

    @Test
    void concurrentTransactionsOnThreeNodesLoseNoIncrementAndReplicasAgree() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        runIncrements(15, true);
    }

    private void runIncrements(int perClient, boolean expectGroups) throws Exception {
        ServerProcess leader = cluster.leader();
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER)\","
                + "\"INSERT INTO counter VALUES (1, 0)\","
                + "\"CREATE TABLE seen(client INTEGER, n INTEGER, v INTEGER, at TEXT DEFAULT (datetime('now')))\"]"))
                .isNotNull();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<List<Long>>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(pool.submit(() -> incrementTimes(leader, client, perClient)));
        }
        List<Long> commitIndexes = new ArrayList<>();
        for (Future<List<Long>> client : clients) {
            commitIndexes.addAll(client.get(120, TimeUnit.SECONDS));
        }
        pool.shutdown();
        int commits = CLIENTS * perClient;
        assertThat(commitIndexes).hasSize(commits);
        Set<Long> entries = new HashSet<>(commitIndexes);
        System.out.printf("%d transactions committed in %d log entries%n", commits, entries.size());
        if (expectGroups) {
            assertThat(entries.size()).as("some entries carry several transactions").isLessThan(commits);
        }

        long last = commitIndexes.stream().mapToLong(Long::longValue).max().orElseThrow();
        String expected = cluster.checksumOnceApplied(leader, last);
        for (ServerProcess node : cluster.nodes()) {
            assertThat(cluster.checksumOnceApplied(node, last)).as(node.baseUrl()).isEqualTo(expected);
            JsonNode counter = cluster.get(node, "/db/query?level=none&min_index=" + last + "&q="
                    + java.net.URLEncoder.encode("SELECT v FROM counter", java.nio.charset.StandardCharsets.UTF_8));
            assertThat(counter.at("/results/0/values/0/0").asLong()).as("no increment lost on " + node.baseUrl())
                    .isEqualTo(commits);
            JsonNode seen = cluster.get(node, "/db/query?level=none&q=" + java.net.URLEncoder.encode(
                    "SELECT count(DISTINCT v), min(v), max(v) FROM seen", java.nio.charset.StandardCharsets.UTF_8));
            assertThat(seen.at("/results/0/values/0").toString()).as("each transaction saw the one before it")
                    .isEqualTo("[" + commits + ",0," + (commits - 1) + "]");
        }
    }

    /** One client's committed transactions: the log index each committed at. Retries a transaction refused with 409. */
    private List<Long> incrementTimes(ServerProcess leader, int client, int times) throws Exception {
        List<Long> indexes = new ArrayList<>();
        int conflicts = 0;
        while (indexes.size() < times) {
            HttpResponse<String> begun = cluster.send(leader, "POST", "/db/tx", "");
            assertThat(begun.statusCode()).as(begun.body()).isEqualTo(200);
            String tx = JSON.readTree(begun.body()).get("tx").asText();
            HttpResponse<String> read = cluster.send(leader, "POST", "/db/query?tx=" + tx,
                    "[\"SELECT v FROM counter WHERE id = 1\"]");
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            long v = JSON.readTree(read.body()).at("/results/0/values/0/0").asLong();
            HttpResponse<String> write = cluster.send(leader, "POST", "/db/execute?tx=" + tx,
                    "[[\"UPDATE counter SET v = ? WHERE id = 1\", " + (v + 1) + "],"
                            + "[\"INSERT INTO seen(client, n, v) VALUES (?, ?, ?)\", " + client + ", " + indexes.size()
                            + ", " + v + "]]");
            assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
            HttpResponse<String> commit = cluster.send(leader, "POST", "/db/tx/" + tx + "/commit", null);
            if (commit.statusCode() == 409) {
                conflicts++;
                continue;
            }
            assertThat(commit.statusCode()).as(commit.body()).isEqualTo(200);
            indexes.add(JSON.readTree(commit.body()).get("raft_index").asLong());
        }
        assertThat(conflicts).as("nothing else writes: no transaction conflicts").isZero();
        return indexes;
    }
}
