package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.server.http.ApiTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: the node stops being ready, a leader hands leadership over, and the process exits in bounded time. */
class GracefulShutdownTest {
    /** ServerProcess starts every node with --election-timeout 300ms. */
    private static final Duration ELECTION_TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNodePreparingToStopAnswersReadyzWith503ShuttingDownAndLivezWith200() throws Exception {
        try (ApiTestServer server = ApiTestServer.start()) {
            assertThat(server.get("/readyz").status()).isEqualTo(200);

            server.node().prepareToStop(Duration.ofSeconds(1));

            ApiTestServer.Reply readyz = server.get("/readyz");
            assertThat(readyz.status()).isEqualTo(503);
            assertThat(readyz.body()).isEqualTo("[-]node shutting down");
            ApiTestServer.Reply livez = server.get("/livez");
            assertThat(livez.status()).isEqualTo(200);
            assertThat(livez.body()).isEqualTo("[+]node ok");
        }
    }

    @Test
    void aLeaderGivenSigtermHandsOverLeadershipAndLosesNoAcknowledgedWrite() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        List<ServerProcess> nodes = cluster.nodes();
        assertThat(cluster.post(nodes.get(0), "/db/execute", "[\"CREATE TABLE t(id INTEGER PRIMARY KEY)\"]"))
                .isNotNull();
        ServerProcess leader = cluster.leader();
        List<ServerProcess> survivors = nodes.stream().filter(n -> n != leader).toList();
        ServerProcess follower = survivors.get(0);

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong maxIndex = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (int id = 1; writing.get(); id++) {
                JsonNode body = cluster.post(follower, "/db/execute?raft_index",
                        "[[\"INSERT INTO t(id) VALUES(?)\", " + id + "]]");
                if (body != null && !body.path("results").path(0).has("error")) {
                    acknowledged.add(id);
                    maxIndex.accumulateAndGet(body.path("raft_index").asLong(), Math::max);
                }
            }
        });
        writer.start();
        Thread.sleep(1000);

        long sigtermNanos = System.nanoTime();
        CompletableFuture<Integer> exitCode = CompletableFuture.supplyAsync(() -> {
            try {
                return leader.stop();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ServerProcess newLeader = cluster.leaderAmong(survivors, Duration.ofSeconds(10));
        long handOverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigtermNanos);
        assertThat(exitCode.get(30, TimeUnit.SECONDS)).as("exit code after SIGTERM").isEqualTo(0);
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigtermNanos);
        int beforeStop = acknowledged.size();
        Thread.sleep(1000);
        writing.set(false);
        writer.join(30_000);
        System.out.printf("new leader %s seen %d ms after SIGTERM; old leader exited after %d ms; %d writes "
                + "acknowledged, %d after it exited%n", newLeader.baseUrl(), handOverMillis, exitMillis,
                acknowledged.size(), acknowledged.size() - beforeStop);

        assertThat(Files.readString(leader.logFile())).contains("handed leadership to");
        assertThat(handOverMillis).as("a new leader within about one election timeout (ms)")
                .isLessThan(ELECTION_TIMEOUT.multipliedBy(2).toMillis() + 300);
        assertThat(acknowledged.size()).as("writes go on through the follower").isGreaterThan(beforeStop);

        leader.start();
        // The writes are over: what the new leader has applied now is the log's end, for every node to reach.
        long end = cluster.get(newLeader, "/db/checksum").path("applied_index").asLong();
        String leaderChecksum = cluster.checksumOnceApplied(newLeader, end);
        for (ServerProcess node : nodes) {
            assertThat(cluster.checksumOnceApplied(node, end))
                    .as("%s holds what the new leader holds", node.baseUrl()).isEqualTo(leaderChecksum);
            JsonNode rows = cluster.get(node, "/db/query?level=none&min_index=" + maxIndex.get()
                    + "&q=SELECT+id+FROM+t");
            Set<Integer> present = ConcurrentHashMap.newKeySet();
            rows.path("results").path(0).path("values").forEach(v -> present.add(v.get(0).asInt()));
            assertThat(present).as("every acknowledged write on %s", node.baseUrl()).containsAll(acknowledged);
        }
    }
}
