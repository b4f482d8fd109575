package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
        // One node's Raft round (an fsync) is shorter than a transaction's three requests: groups are rare here.
        incrementWithNothingElseWriting(1, 25, false);
    }

    @Test
    void concurrentTransactionsOnThreeNodesLoseNoIncrementAndReplicasAgree() throws Exception {
        incrementWithNothingElseWriting(3, 15, true);
    }

    private void incrementWithNothingElseWriting(int nodes, int perClient, boolean expectGroups) throws Exception {
        cluster = ProcessCluster.start(dir, nodes);
        Increments run = runIncrements(perClient, expectGroups);
        assertThat(run.conflicts()).as("nothing else writes: no transaction conflicts").isZero();
        assertNoIncrementLostAndReplicasAgree(run, run.lastIndex());
    }

    @Test
    void writesForwardedByAFollowerMeanwhileAbortOnlyTransactionsThatCannotCommitAndLoseNothing() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE plain(id INTEGER PRIMARY KEY)\"]")).isNotNull();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger plainWrites = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (!done.get()) {
                // Each reaches the leader's log directly, between the chain's entries: a conflict for those in flight.
                if (cluster.post(follower, "/db/execute", "[[\"INSERT INTO plain VALUES (?)\", "
                        + (plainWrites.get() + 1) + "]]") != null) {
                    plainWrites.incrementAndGet();
                }
            }
        });
        writer.start();
        Increments run;
        try {
            run = runIncrements(10, false);
            System.out.printf("%d transactions were refused by a forwarded write and retried%n", run.conflicts());
        } finally {
            done.set(true);
            writer.join();
        }
        assertThat(plainWrites.get()).as("plain writes went on").isPositive();
        JsonNode last = cluster.post(leader, "/db/execute?raft_index", "[\"INSERT INTO plain VALUES (0)\"]");
        long index = last.path("raft_index").asLong();
        assertNoIncrementLostAndReplicasAgree(run, index);
        for (ServerProcess node : cluster.nodes()) {
            assertThat(queryOn(node, index, "SELECT count(*) FROM plain").at("/0/0").asLong())
                    .as("every acknowledged plain write, and the last").isEqualTo(plainWrites.get() + 1L);
        }
    }

    /** The rows {@code sql} reads on {@code node} once it has applied {@code index}. */
    private JsonNode queryOn(ServerProcess node, long index, String sql) {
        return cluster.get(node, "/db/query?level=none&min_index=" + index + "&q="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8)).at("/results/0/values");
    }

    /** What the clients did: transactions committed, the last log index one committed at, and 409s retried. */
    private record Increments(int commits, long lastIndex, int conflicts) {}

    /** Runs {@code perClient} committed increments on each client. */
    private Increments runIncrements(int perClient, boolean expectGroups) throws Exception {
        ServerProcess leader = cluster.leader();
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER)\","
                + "\"INSERT INTO counter VALUES (1, 0)\","
                + "\"CREATE TABLE seen(client INTEGER, n INTEGER, v INTEGER, at TEXT DEFAULT (datetime('now')))\"]"))
                .isNotNull();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<List<Long>>> clients = new ArrayList<>();
        AtomicInteger conflicts = new AtomicInteger();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(pool.submit(() -> incrementTimes(leader, client, perClient, conflicts)));
        }
        List<Long> commitIndexes = new ArrayList<>();
        for (Future<List<Long>> client : clients) {
            commitIndexes.addAll(client.get(180, TimeUnit.SECONDS));
        }
        pool.shutdown();
        int commits = CLIENTS * perClient;
        assertThat(commitIndexes).hasSize(commits);
        Set<Long> entries = new HashSet<>(commitIndexes);
        System.out.printf("%d transactions committed in %d log entries%n", commits, entries.size());
        if (expectGroups) {
            assertThat(entries.size()).as("some entries carry several transactions").isLessThan(commits);
        }
        return new Increments(commits, commitIndexes.stream().mapToLong(Long::longValue).max().orElseThrow(),
                conflicts.get());
    }

    /** Once every node has applied {@code index} (with nothing written after it): equal replicas, every increment. */
    private void assertNoIncrementLostAndReplicasAgree(Increments run, long index) throws Exception {
        String expected = cluster.checksumOnceApplied(cluster.leader(), index);
        int commits = run.commits();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(cluster.checksumOnceApplied(node, index)).as(node.baseUrl()).isEqualTo(expected);
            assertThat(queryOn(node, index, "SELECT v FROM counter").at("/0/0").asLong())
                    .as("no increment lost on " + node.baseUrl()).isEqualTo(commits);
            assertThat(queryOn(node, index, "SELECT count(DISTINCT v), min(v), max(v) FROM seen").at("/0").toString())
                    .as("each transaction saw the one before it").isEqualTo("[" + commits + ",0," + (commits - 1) + "]");
        }
    }

    /**
     * One client's committed transactions: the log index each committed at. A transaction refused with 409 (at any
     * step: another write reached the log) is counted in {@code conflicts} and run again.
     */
    private List<Long> incrementTimes(ServerProcess leader, int client, int times,
                                      AtomicInteger conflicts) throws Exception {
        List<Long> indexes = new ArrayList<>();
        while (indexes.size() < times) {
            HttpResponse<String> begun = cluster.send(leader, "POST", "/db/tx", "");
            assertThat(begun.statusCode()).as(begun.body()).isEqualTo(200);
            String tx = JSON.readTree(begun.body()).get("tx").asText();
            HttpResponse<String> read = cluster.send(leader, "POST", "/db/query?tx=" + tx,
                    "[\"SELECT v FROM counter WHERE id = 1\"]");
            if (read.statusCode() == 409) {
                conflicts.incrementAndGet();
                continue;
            }
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            long v = JSON.readTree(read.body()).at("/results/0/values/0/0").asLong();
            HttpResponse<String> write = cluster.send(leader, "POST", "/db/execute?tx=" + tx,
                    "[[\"UPDATE counter SET v = ? WHERE id = 1\", " + (v + 1) + "],"
                            + "[\"INSERT INTO seen(client, n, v) VALUES (?, ?, ?)\", " + client + ", " + indexes.size()
                            + ", " + v + "]]");
            if (write.statusCode() == 409) {
                conflicts.incrementAndGet();
                continue;
            }
            assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
            HttpResponse<String> commit = cluster.send(leader, "POST", "/db/tx/" + tx + "/commit", null);
            if (commit.statusCode() == 409) {
                conflicts.incrementAndGet();
                continue;
            }
            assertThat(commit.statusCode()).as(commit.body()).isEqualTo(200);
            indexes.add(JSON.readTree(commit.body()).get("raft_index").asLong());
        }
        return indexes;
    }
}
