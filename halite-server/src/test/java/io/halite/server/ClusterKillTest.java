package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `halite serve` processes; clients write through every node; the leader is SIGKILLed mid-load. Every
 * acknowledged write must be on both survivors and, once it restarts, on the killed node; all checksums match.
 */
class ClusterKillTest {
    private static final int WRITERS = 6;

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
    void acknowledgedWritesSurviveKillingTheLeader() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        List<ServerProcess> nodes = cluster.nodes();
        assertThat(cluster.post(nodes.get(0), "/db/execute",
                "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, writer INTEGER, seq INTEGER)\"]")).isNotNull();

        ServerProcess firstLeader = cluster.leader();
        ServerProcess aFollower = nodes.stream().filter(n -> n != firstLeader).findFirst().orElseThrow();
        JsonNode members = cluster.get(aFollower, "/nodes?ver=2").path("nodes");
        assertThat(members).hasSize(3);
        for (JsonNode member : members) {
            int i = Integer.parseInt(member.path("id").asText().substring(1));
            assertThat(member.path("api_addr").asText()).isEqualTo(nodes.get(i).baseUrl());
            assertThat(member.path("reachable").asBoolean()).isTrue();
            assertThat(member.path("leader").asBoolean()).isEqualTo(nodes.get(i) == firstLeader);
        }
        HttpResponse<String> redirect = cluster.raw(HttpRequest.newBuilder(
                        URI.create(aFollower.baseUrl() + "/db/execute?redirect&timings"))
                .POST(HttpRequest.BodyPublishers.ofString("[\"SELECT 1\"]")).build());
        assertThat(redirect.statusCode()).isEqualTo(301);
        assertThat(redirect.headers().firstValue("Location")).hasValue(firstLeader.baseUrl() + "/db/execute?redirect&timings");

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong maxIndex = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                for (int seq = 0; running.get(); seq++) {
                    ServerProcess target = nodes.get((writer + seq) % 3);
                    JsonNode body = cluster.post(target, "/db/execute?raft_index",
                            "[[\"INSERT INTO t(writer, seq) VALUES(?, ?)\", " + writer + ", " + seq + "]]");
                    if (body != null && !body.path("results").path(0).has("error")) {
                        acknowledged.add(writer + ":" + seq);
                        maxIndex.accumulateAndGet(body.path("raft_index").asLong(), Math::max);
                    }
                }
            });
            t.start();
            writers.add(t);
        }
        Thread.sleep(2000);
        ServerProcess leader = cluster.leader();
        int before = acknowledged.size();
        leader.kill9();
        Thread.sleep(3000);
        running.set(false);
        for (Thread t : writers) {
            t.join(30_000);
        }
        System.out.printf("acknowledged %d writes, %d of them after the leader was killed%n",
                acknowledged.size(), acknowledged.size() - before);
        assertThat(acknowledged.size()).as("writes go on after the leader is killed").isGreaterThan(before);

        leader.start();
        for (ServerProcess node : nodes) {
            JsonNode rows = cluster.get(node, "/db/query?level=none&min_index=" + maxIndex.get()
                    + "&q=SELECT+writer,seq+FROM+t");
            assertThat(rows).as("node %s answers", node.baseUrl()).isNotNull();
            Set<String> present = ConcurrentHashMap.newKeySet();
            rows.path("results").path(0).path("values").forEach(v -> present.add(v.get(0).asInt() + ":" + v.get(1).asInt()));
            assertThat(acknowledged).filteredOn(write -> !present.contains(write))
                    .as("acknowledged writes missing on %s", node.baseUrl()).isEmpty();
        }
        Set<String> checksums = ConcurrentHashMap.newKeySet();
        for (ServerProcess node : nodes) {
            JsonNode checksum = cluster.get(node, "/db/checksum");
            assertThat(checksum.path("applied_index").asLong()).isGreaterThanOrEqualTo(maxIndex.get());
            checksums.add(checksum.path("applied_index").asLong() + "/" + checksum.path("checksum").asText());
        }
        assertThat(checksums).as("replicas at the same index hold the same content").hasSize(1);
    }
}
