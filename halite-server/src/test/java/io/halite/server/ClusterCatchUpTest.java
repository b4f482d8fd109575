package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes catch up from a copy of the leader's database, streamed, never held in memory: a follower that was down
 * while the leader purged its log, and a new node whose heap is smaller than the database. Afterwards each holds
 * exactly the leader's content and keeps applying the log.
 */
class ClusterCatchUpTest {
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
    void followerBehindAPurgedLogCatchesUpFromACopy() throws Exception {
        cluster = ProcessCluster.start(dir, 3, "--snapshot-entries", "8");
        ServerProcess leader = cluster.leader();
        ServerProcess lagging = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(cluster.post(leader, "/db/execute",
                "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, b BLOB)\"]")).isNotNull();
        lagging.kill9();

        // About 16 MB of log in 80 entries: more than one Raft log segment, so the leader purges what the follower
        // lacks. (The value travels in the entry; randomblob() would be computed when applied.)
        String value = "v".repeat(200_000);
        for (int i = 0; i < 80; i++) {
            JsonNode answer = cluster.post(leader, "/db/execute", "[[\"INSERT INTO t(b) VALUES(?)\", \"" + i + value + "\"]]");
            assertThat(answer).isNotNull();
            assertThat(answer.path("results").path(0).has("error")).isFalse();
        }
        JsonNode leaderSum = cluster.get(leader, "/db/checksum");

        lagging.start();
        JsonNode laggingSum = null;
        for (int attempt = 0; attempt < 600; attempt++) {
            laggingSum = cluster.get(lagging, "/db/checksum");
            if (laggingSum != null && laggingSum.path("applied_index").asLong() >= leaderSum.path("applied_index").asLong()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(laggingSum).isNotNull();
        assertThat(laggingSum.path("applied_index").asLong()).isEqualTo(leaderSum.path("applied_index").asLong());
        assertThat(laggingSum.path("checksum").asText()).isEqualTo(leaderSum.path("checksum").asText());
        assertThat(Files.readString(lagging.logFile())).as("caught up from a copy, not from the log")
                .contains("installed the leader's database");
        assertFollowsTheLog(lagging);
    }

    @Test
    void aNodeWithLessHeapThanTheDatabaseJoinsFromACopy() throws Exception {
        cluster = ProcessCluster.start(dir, 1);
        ServerProcess leader = cluster.nodes().get(0);
        // 160 MB from one small statement: each replica computes the (seeded) blobs itself.
        assertThat(cluster.post(leader, "/db/execute?timeout=120s", "[\"CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)\", "
                + "\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 160) "
                + "INSERT INTO big SELECT x, randomblob(1048576) FROM c\"]")).isNotNull();
        long size = cluster.get(leader, "/status").path("store").path("sqlite3").path("db_size").asLong();
        assertThat(size).isGreaterThan(150L << 20);

        ServerProcess joined = cluster.joinWithHeap(dir, leader, "64m");
        assertThat(Files.readString(joined.logFile())).contains("installed the leader's database");
        assertFollowsTheLog(joined);
    }

    /** A write after catching up reaches the node, which then matches the leader at the same index. */
    private void assertFollowsTheLog(ServerProcess node) throws InterruptedException {
        JsonNode write = cluster.post(node, "/db/execute?raft_index", "[\"CREATE TABLE after_catch_up(x)\"]");
        assertThat(write).isNotNull();
        long index = write.path("raft_index").asLong();
        ServerProcess leader = cluster.leader();
        assertThat(cluster.checksumOnceApplied(node, index)).isEqualTo(cluster.checksumOnceApplied(leader, index));
    }
}
