package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-node cluster grows with {@code --join} (through the leader and through a follower), gains a non-voting
 * read replica, shrinks with {@code DELETE /remove}, ignores a removed node that comes back with its old data, and
 * takes it back when it joins again. Replicas match at every step.
 */
class MembershipTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aClusterGrowsAndShrinksWhileReplicasStayIdentical() throws Exception {
        cluster = ProcessCluster.start(dir, 1);
        ServerProcess n0 = cluster.nodes().get(0);
        assertThat(cluster.post(n0, "/db/execute", "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, "
                + "at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()))\"]")).isNotNull();
        insert(n0, "before-join");

        ServerProcess n1 = cluster.join(dir, n0);
        ServerProcess n2 = cluster.join(dir, n1);
        ServerProcess n3 = cluster.join(dir, n2, "--non-voter");
        List<ServerProcess> all = List.of(n0, n1, n2, n3);

        assertThat(ids(awaitReachable(n3, "/nodes?ver=2"))).containsExactly("n0", "n1", "n2");
        JsonNode everyone = awaitReachable(n0, "/nodes?ver=2&nonvoters");
        assertThat(ids(everyone)).containsExactly("n0", "n1", "n2", "n3");
        for (JsonNode member : everyone) {
            ServerProcess node = all.get(Integer.parseInt(member.path("id").asText().substring(1)));
            assertThat(member.path("api_addr").asText()).isEqualTo(node.baseUrl());
            assertThat(member.path("voter").asBoolean()).isEqualTo(node != n3);
            assertThat(member.path("reachable").asBoolean()).isTrue();
        }

        // Writes through every member, the non-voter included, reach every replica.
        long index = 0;
        for (ServerProcess node : all) {
            index = insert(node, "through-" + node.baseUrl());
        }
        JsonNode mine = cluster.get(n3, "/db/query?level=none&min_index=" + index
                + "&q=" + java.net.URLEncoder.encode("SELECT count(*) FROM t", "UTF-8"));
        assertThat(mine.path("results").get(0).path("values").get(0).get(0).asInt()).isEqualTo(5);
        assertIdentical(all, index);

        // Asking again to add a member the same way changes nothing; differently is refused.
        assertThat(cluster.send(n0, "POST", "/join", "{\"id\":\"n1\",\"addr\":\"" + raftAddress(n1) + "\"}").body())
                .isEqualTo("{\"id\":\"n1\",\"addr\":\"" + raftAddress(n1) + "\",\"voter\":true,\"added\":false}");
        HttpResponse<String> conflict = cluster.send(n0, "POST", "/join", "{\"id\":\"n1\",\"addr\":\"127.0.0.1:1\"}");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).isEqualTo("{\"error\":\"node n1 is already a voting member at "
                + raftAddress(n1) + "; remove it first to add it again differently\"}");
        assertThat(cluster.send(n0, "POST", "/join", "{\"id\":\"n9\",\"addr\":\"nowhere\"}").body())
                .isEqualTo("{\"error\":\"\\\"addr\\\" must be the joining node's Raft address, host:port\"}");
        HttpResponse<String> unknown = cluster.send(n1, "DELETE", "/remove", "{\"id\":\"n9\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"no member has the id n9\"}");

        // A restart with the same --join flag is harmless.
        n1.stop();
        n1.start();
        awaitLog(n1, "\"added\":false");
        // Let n1 catch up before n2 goes down: with both away at once the leader would lose its majority.
        assertIdentical(all, insert(n0, "after-restart"));

        // Remove n2 while it is down; when it comes back with its old data (no --join) it must not disturb.
        String n2Raft = raftAddress(n2);
        n2.kill9();
        HttpResponse<String> removed = cluster.send(n1, "DELETE", "/remove", "{\"id\":\"n2\"}");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(removed.body()).isEqualTo("{\"removed\":\"n2\"}");
        assertThat(ids(cluster.get(n0, "/nodes?ver=2&nonvoters").path("nodes"))).containsExactly("n0", "n1", "n3");
        long term = term(cluster.leader());
        ServerProcess stale = new ServerProcess(n2.dataDir(), dir.resolve("logs-n2-stale"), port(n2.baseUrl()),
                port("http://" + n2Raft), List.of("--node-id", "n2"));
        try {
            stale.launch();
            awaitLog(stale, "no longer a member of the cluster");
            index = insert(n0, "after-removal");
            assertThat(term(cluster.leader())).as("the removed node caused no election").isEqualTo(term);
            HttpResponse<String> refused = cluster.send(stale, "GET", "/db/query?level=none&q=SELECT+1", null);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("no longer a member of the cluster");
        } finally {
            stale.close();
        }
        assertIdentical(List.of(n0, n1, n3), index);

        // Started again with --join, it is added back and catches up.
        n2.start();
        assertThat(ids(awaitReachable(n2, "/nodes?ver=2"))).containsExactly("n0", "n1", "n2");
        index = insert(n2, "back");
        assertIdentical(all, index);
    }

    private long insert(ServerProcess node, String value) throws Exception {
        HttpResponse<String> response = cluster.send(node, "POST", "/db/execute?raft_index",
                "[[\"INSERT INTO t(v) VALUES(?)\", \"" + value + "\"]]");
        assertThat(response.statusCode()).as("insert through " + node.baseUrl() + ": " + response.body())
                .isEqualTo(200);
        JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        assertThat(answer.path("results").get(0).path("rows_affected").asInt()).isEqualTo(1);
        return answer.path("raft_index").asLong();
    }

    private void assertIdentical(List<ServerProcess> nodes, long index) throws InterruptedException {
        List<String> checksums = new ArrayList<>();
        for (ServerProcess node : nodes) {
            checksums.add(cluster.checksumOnceApplied(node, index));
        }
        assertThat(checksums.stream().distinct()).as("checksums " + checksums).hasSize(1);
    }

    /** The members {@code /nodes} lists once every one of them answered (members are asked live; allow 20 s). */
    private JsonNode awaitReachable(ServerProcess node, String nodesQuery) throws InterruptedException {
        JsonNode members = null;
        for (int attempt = 0; attempt < 40; attempt++) {
            members = cluster.get(node, nodesQuery).path("nodes");
            boolean all = true;
            for (JsonNode m : members) {
                all &= m.path("reachable").asBoolean();
            }
            if (all) {
                return members;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not every member was reachable from " + node.baseUrl() + ": " + members);
    }

    private static List<String> ids(JsonNode members) {
        List<String> ids = new ArrayList<>();
        members.forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    private long term(ServerProcess node) {
        return cluster.get(node, "/status").path("store").path("raft").path("term").asLong();
    }

    private String raftAddress(ServerProcess node) {
        return cluster.get(node, "/status").path("store").path("addr").asText();
    }

    private static int port(String url) {
        return URI.create(url).getPort();
    }

    private static void awaitLog(ServerProcess node, String text) throws Exception {
        for (int attempt = 0; attempt < 300; attempt++) {
            if (Files.exists(node.logFile()) && Files.readString(node.logFile()).contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' not in the log within 30 s:\n" + node.logTail());
    }
}
