package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `halite serve` processes (300 ms election timeout); the leader is frozen with SIGSTOP, so its connections
 * stay open and nothing on them is answered, the way a hung machine behaves. A write a follower forwards to it
 * must move to the new leader within about the election time, and be applied exactly once.
 */
class FrozenLeaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A new leader is elected within 2 election timeouts (600 ms); the write then needs one more round. */
    private static final long ACKNOWLEDGED_WITHIN_MILLIS = 3_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aWriteForwardedToAFrozenLeaderIsAcknowledgedByTheNewLeaderWithinTheElectionTimeAndAppliedOnce()
            throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess oldLeader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != oldLeader).findFirst().orElseThrow();
        // Through the follower, so that it is connected to the leader and forwards the next write at once.
        assertWrite(follower, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        assertWrite(follower, "INSERT INTO t(v) VALUES('before')");

        oldLeader.freeze();
        long start = System.nanoTime();
        // The follower still takes the frozen node for the leader (no election timeout has passed) and sends it this.
        HttpResponse<String> during = cluster.send(follower, "POST", "/db/execute?timeout=20s",
                "[\"INSERT INTO t(v) VALUES('during')\"]");
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("the write sent while the leader was frozen was answered after %d ms%n", millis);
        assertThat(during.statusCode()).as(during.body()).isEqualTo(200);
        assertThat(during.body()).isEqualTo("{\"results\":[{\"last_insert_id\":2,\"rows_affected\":1}]}");
        assertThat(millis).as("acknowledged within %d ms", ACKNOWLEDGED_WITHIN_MILLIS)
                .isLessThan(ACKNOWLEDGED_WITHIN_MILLIS);

        oldLeader.unfreeze();
        long lastIndex = JSON.readTree(assertWrite(follower, "INSERT INTO t(v) VALUES('after')")).path("raft_index")
                .asLong();
        List<String> checksums = new ArrayList<>();
        for (ServerProcess node : cluster.nodes()) {
            checksums.add(cluster.checksumOnceApplied(node, lastIndex));
            HttpResponse<String> rows = cluster.send(node, "GET", "/db/query?level=none&q="
                    + URLEncoder.encode("SELECT id, v FROM t ORDER BY id", StandardCharsets.UTF_8), null);
            assertThat(rows.body()).as("rows on %s", node.baseUrl()).isEqualTo("{\"results\":[{\"columns\":[\"id\","
                    + "\"v\"],\"types\":[\"integer\",\"text\"],\"values\":[[1,\"before\"],[2,\"during\"],[3,\"after\"]]}]}");
        }
        assertThat(checksums.stream().distinct()).as("checksums %s", checksums).hasSize(1);
    }

    /** Executes one statement through {@code node}, asserting it succeeded. */
    private String assertWrite(ServerProcess node, String sql) throws Exception {
        HttpResponse<String> response = cluster.send(node, "POST", "/db/execute?raft_index&timeout=10s",
                JSON.writeValueAsString(List.of(sql)));
        assertThat(response.statusCode()).as("%s through %s: %s", sql, node.baseUrl(), response.body())
                .isEqualTo(200);
        assertThat(response.body()).doesNotContain("error");
        return response.body();
    }
}
