package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose data directory is a small tmpfs volume fills it under writes. The cluster keeps serving; the
 * full node says it is not ready and why, and refuses reads of its data; once the test frees space it exits with
 * code 75 by itself, and restarted (as a supervisor would) it catches up to the leader's exact content. Needs root
 * (mount).
 */
class StorageFailureTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;
    private Path mounted;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (mounted != null) {
                run("umount", "-l", mounted.toString());
            }
        }
    }

    @Test
    void aFollowerThatFillsItsDiskSaysSoAndCatchesUpOnceSpaceIsFreedAndItIsRestarted() throws Exception {
        assumeTrue(isRoot(), "skipped: mounting a small tmpfs volume needs root");
        long seed = System.nanoTime();
        System.out.println("aFollowerThatFillsItsDisk... seed=" + seed);
        Random random = new Random(seed);
        // Node n1's data directory is a 64 MB volume, 24 MB of it taken by a file the test deletes later.
        mounted = dir.resolve("n1");
        Files.createDirectories(mounted);
        assertThat(run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mounted.toString())).isZero();
        Path ballast = mounted.resolve("ballast");
        Files.write(ballast, new byte[24 << 20]);

        cluster = ProcessCluster.start(dir, 3, "--max-request-size", "1MB");
        ServerProcess full = cluster.nodes().get(1);
        if (cluster.leader() == full) {
            full.kill9(); // let another member lead: a full leader stops at once, which is tested elsewhere
            full.start();
        }
        ServerProcess leader = cluster.leader();
        assertThat(leader).isNotSameAs(full);
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)\"]"))
                .isNotNull();

        // Rows of about 100 KB (the value travels in the log entry) until the follower's volume is full.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        HttpResponse<String> readyz = get(full, "/readyz");
        int rows = 0;
        while (readyz.statusCode() == 200 || !readyz.body().contains("cannot write")) {
            assertThat(System.nanoTime()).as("the follower reports its full disk within 2 minutes").isLessThan(deadline);
            assertThat(write(leader, random)).as("the cluster keeps taking writes").isTrue();
            rows++;
            readyz = get(full, "/readyz");
        }
        System.out.printf("the follower's volume filled after %d rows: %s%n", rows, readyz.body());
        assertThat(readyz.statusCode()).isEqualTo(503);
        for (int i = 0; i < 10; i++) {
            assertThat(write(leader, random)).as("the cluster keeps taking writes").isTrue();
        }
        JsonNode status = cluster.get(full, "/status");
        assertThat(status.path("store").path("health").path("state").asText()).isEqualTo("storage_failed");
        assertThat(status.path("store").path("ready").asBoolean()).isFalse();
        HttpResponse<String> read = cluster.send(full, "GET", "/db/query?level=none&q=SELECT+count(*)+FROM+t", null);
        assertThat(read.statusCode() + " " + read.body()).startsWith("503 {\"error\":\"this node cannot write its storage");
        assertThat(full.isAlive()).as("the full follower stays up while its disk is full").isTrue();
        Thread.sleep(3000); // a member message or two
        assertThat(Files.readString(leader.logFile())).as("the leader names the member that stopped accepting entries")
                .contains("member n1 stopped accepting log entries");

        Files.delete(ballast);
        assertThat(full.awaitExit(Duration.ofSeconds(30))).as("exit code once the storage takes writes again")
                .isEqualTo(75);
        assertThat(full.logTail()).contains("exiting with code 75");

        full.start();
        JsonNode last = cluster.post(leader, "/db/execute?raft_index", "[\"CREATE TABLE done(x)\"]");
        long index = last.path("raft_index").asLong();
        assertThat(cluster.checksumOnceApplied(full, index)).isEqualTo(cluster.checksumOnceApplied(leader, index));
        for (ServerProcess node : cluster.nodes()) {
            if (Files.readString(node.logFile()).contains("receives no log entries")) {
                System.out.println(node.baseUrl() + " stepped down for the restarted member's stalled log");
            }
        }
    }

    private boolean write(ServerProcess node, Random random) {
        String value = Long.toHexString(random.nextLong()).repeat(6_000);
        JsonNode answer = cluster.post(node, "/db/execute", "[[\"INSERT INTO t(v) VALUES(?)\", \"" + value + "\"]]");
        return answer != null && !answer.path("results").path(0).has("error");
    }

    private HttpResponse<String> get(ServerProcess node, String path) throws Exception {
        return cluster.raw(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    private static boolean isRoot() throws Exception {
        Process p = new ProcessBuilder("id", "-u").start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out.equals("0");
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.out.println(String.join(" ", command) + ": " + out);
        }
        return p.exitValue();
    }
}
