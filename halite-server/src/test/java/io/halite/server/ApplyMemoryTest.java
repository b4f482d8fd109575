package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applying the log needs memory bounded independently of the database: a follower with a 192 MB heap replays a
 * 300 MB load from the log. An error that leaves the applier in no known state (out of memory) ends the
 * process with a non-zero exit and says why, and never claims the node was removed.
 */
class ApplyMemoryTest {
    /** 300 MB in CI; {@code -Dhalite.test.loadMb=1024} checks a 1 GB load by hand (docs/design.md records it). */
    private static final int LOAD_MB = Integer.getInteger("halite.test.loadMb", 300);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;
    private ServerProcess single;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (single != null) {
            single.close();
        }
    }

    @Test
    void aFollowerWith192MbOfHeapReplaysA300MbLoadFromTheLog() throws Exception {
        Path image = dir.resolve("load.sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)");
            s.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " + LOAD_MB + ") "
                    + "INSERT INTO big SELECT x, randomblob(1048576) FROM n");
        }
        cluster = ProcessCluster.start(dir, 3);
        if (!replaysTheLoadFromTheLog(image)) {
            // Ratis 3.3's log appender can stop on a race while a follower catches up on large entries, and the
            // follower then catches up from a copy (docs/design.md, "Catching up from a copy"): the replay this
            // test is about did not happen, so it runs once more.
            System.out.println("the follower caught up from a copy after Ratis's log appender stopped; again");
            assertThat(replaysTheLoadFromTheLog(image)).as("caught up by replaying the log, not from a copy").isTrue();
        }
    }

    /**
     * Stops a follower, loads {@code image} through the leader, restarts the follower with a 192 MB heap and checks
     * that it caught up without running out of memory. Returns false if it caught up from a copy of the leader's
     * database after Ratis's log appender for it stopped on its race; any other copy fails the test.
     */
    private boolean replaysTheLoadFromTheLog(Path image) throws Exception {
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.kill9();
        long leaderLogBefore = Files.size(leader.logFile());

        long started = System.nanoTime();
        HttpResponse<String> loaded = cluster.raw(HttpRequest.newBuilder(URI.create(leader.baseUrl()
                        + "/db/load?timeout=300s"))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(image)).build());
        assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
        System.out.printf("loaded %d MB in %.1f s%n", Files.size(image) >> 20, (System.nanoTime() - started) / 1e9);

        started = System.nanoTime();
        // Not ready until it has caught up: a 1 GB load takes minutes to replay on a loaded machine.
        follower.heap("192m").readyTimeout(Duration.ofSeconds(Math.max(60, LOAD_MB / 3))).start();
        JsonNode last = cluster.post(leader, "/db/execute?raft_index",
                "[\"CREATE TABLE IF NOT EXISTS after_load(x)\"]");
        long index = last.path("raft_index").asLong();
        assertThat(cluster.checksumOnceApplied(follower, index)).isEqualTo(cluster.checksumOnceApplied(leader, index));
        System.out.printf("the 192 MB follower caught up in %.1f s%n", (System.nanoTime() - started) / 1e9);
        String followerLog = Files.readString(follower.logFile());
        assertThat(followerLog).doesNotContain("OutOfMemoryError");
        if (!followerLog.contains("installed the leader's database")) {
            return true;
        }
        byte[] leaderLog = Files.readAllBytes(leader.logFile());
        int from = (int) Math.min(leaderLogBefore, leaderLog.length);
        assertThat(new String(leaderLog, from, leaderLog.length - from, StandardCharsets.UTF_8))
                .as("caught up by replaying the log, not from a copy (unless Ratis's log appender stopped)")
                .contains("Failed to updateIncreasingly for nextIndex");
        return false;
    }

    @Test
    void runningOutOfMemoryWhileApplyingEndsTheProcessWithExitCode70AndSaysWhy() throws Exception {
        single = new ServerProcess(dir.resolve("data"), dir.resolve("logs")).heap("96m");
        single.start();
        // RETURNING rows are read in the applier; two 100 MB values cannot fit in a 96 MB heap.
        HttpResponse<String> answer = send(single, "/db/execute?timeout=20s", "[\"CREATE TABLE big(b)\", "
                + "\"INSERT INTO big VALUES (1) RETURNING randomblob(100000000), randomblob(100000000)\"]");
        System.out.println("answer while running out of memory: " + (answer == null ? "none" : answer.statusCode() + " "
                + answer.body().substring(0, Math.min(200, answer.body().length()))));
        assertThat(single.awaitExit(Duration.ofSeconds(30))).isEqualTo(70);
        String log = Files.readString(single.logFile());
        assertThat(single.logTail()).contains("exiting with code 70").contains("OutOfMemoryError");
        assertThat(log).doesNotContain("removed");
    }

    private static HttpResponse<String> send(ServerProcess node, String path, String body) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null; // the process died mid-request
        }
    }
}
