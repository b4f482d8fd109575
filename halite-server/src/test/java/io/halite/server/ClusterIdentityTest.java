package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member started on a data directory of another cluster of the same database (same node ids, same addresses:
 * a recreated StatefulSet given a stale volume) refuses to start instead of replacing the cluster's data; with an
 * empty data directory it catches up. Healthy clusters agree on one identity and never refuse.
 */
class ClusterIdentityTest {
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
    void aMemberStartedOnAnotherClustersDataDirectoryRefusesAndTheClusterKeepsItsData() throws Exception {
        int[] ports = new int[6];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = ServerProcess.freePort();
        }
        // Cluster B: more writes and later terms. Its leader restarts four times: a new cluster on a loaded
        // machine can itself need two or three elections to form, as A may.
        ProcessCluster b = ProcessCluster.startOnPorts(dir.resolve("b"), ports);
        String identityOfB;
        long termOfB;
        try {
            write(b, "CREATE TABLE b_rows(id INTEGER PRIMARY KEY, v TEXT)");
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 12; i++) {
                    write(b, "INSERT INTO b_rows(v) VALUES('from b')");
                }
                if (round < 4) {
                    ServerProcess leader = b.leader();
                    leader.stop();
                    b.leaderAmong(b.nodes().stream().filter(n -> n != leader).toList(), Duration.ofSeconds(20));
                    leader.start();
                }
            }
            identityOfB = agreedIdentity(b);
            termOfB = b.get(b.leader(), "/status").path("store").path("raft").path("term").asLong();
        } finally {
            for (ServerProcess node : b.nodes()) {
                node.stop();
            }
        }

        cluster = ProcessCluster.startOnPorts(dir.resolve("a"), ports);
        write(cluster, "CREATE TABLE a_rows(id INTEGER PRIMARY KEY, v TEXT)");
        for (int i = 0; i < 10; i++) {
            write(cluster, "INSERT INTO a_rows(v) VALUES('from a')");
        }
        String identityOfA = agreedIdentity(cluster);
        ServerProcess leader = cluster.leader();
        long termOfA = cluster.get(leader, "/status").path("store").path("raft").path("term").asLong();
        System.out.printf("cluster A: identity %s, term %d; cluster B: identity %s, term %d%n", identityOfA,
                termOfA, identityOfB, termOfB);
        assertThat(identityOfA).isNotEqualTo(identityOfB);
        assertThat(termOfB).as("B's log has the later terms").isGreaterThan(termOfA);

        int replaced = cluster.nodes().indexOf(cluster.nodes().stream().filter(n -> n != leader).findFirst()
                .orElseThrow());
        ServerProcess member = cluster.nodes().get(replaced);
        member.stop();
        FollowerRecoveryTest.deleteTree(member.dataDir());
        BackupProcessTest.copyTree(dir.resolve("b").resolve("n" + replaced), member.dataDir());
        member.launch();
        int exit = member.awaitExit(Duration.ofSeconds(60));
        String log = member.logTail();
        System.out.println(log.lines().filter(line -> line.contains("not starting")).findFirst().orElse(""));
        assertThat(exit).as("exit code; log:\n" + log).isEqualTo(78);
        assertThat(log).contains("belongs to another cluster", identityOfA, identityOfB,
                "Start it with an empty data directory");

        List<ServerProcess> running = cluster.nodes().stream().filter(n -> n != member).toList();
        ServerProcess leaderAfter = cluster.leaderAmong(running, Duration.ofSeconds(10));
        assertThat(cluster.get(leaderAfter, "/status").path("store").path("raft").path("term").asLong())
                .as("no election was caused by the refused member").isEqualTo(termOfA);
        for (int i = 0; i < 10; i++) {
            write(cluster, "INSERT INTO a_rows(v) VALUES('from a, after')");
        }
        long index = write(cluster, "CREATE TABLE done(x)");
        assertThat(cluster.checksumOnceApplied(running.get(1), index))
                .isEqualTo(cluster.checksumOnceApplied(running.get(0), index));
        for (ServerProcess node : running) {
            assertRowsOfAOnly(node);
        }

        FollowerRecoveryTest.deleteTree(member.dataDir());
        member.start();
        index = write(cluster, "INSERT INTO a_rows(v) VALUES('after the member came back empty')");
        assertThat(cluster.checksumOnceApplied(member, index)).isEqualTo(cluster.checksumOnceApplied(leaderAfter, index));
        assertRowsOfAOnly(member);
        assertThat(member.clusterIdentity()).isEqualTo(identityOfA);
    }

    @Test
    void aSingleNodeThatGrowsSharesItsIdentityWithMembersThatJoinAndRestart() throws Exception {
        cluster = ProcessCluster.start(dir, 1);
        write(cluster, "CREATE TABLE t(x)");
        String identity = agreedIdentity(cluster);
        ServerProcess first = cluster.nodes().get(0);
        ServerProcess joined = cluster.join(dir, first);
        cluster.join(dir, first);
        long index = write(cluster, "INSERT INTO t VALUES(1)");
        assertThat(cluster.checksumOnceApplied(joined, index)).isEqualTo(cluster.checksumOnceApplied(first, index));
        assertThat(agreedIdentity(cluster)).isEqualTo(identity);

        // Members restarted on their own data directories start: they belong to this cluster.
        for (ServerProcess node : cluster.nodes()) {
            node.stop();
            node.start();
        }
        index = write(cluster, "INSERT INTO t VALUES(2)");
        assertThat(cluster.checksumOnceApplied(joined, index)).isEqualTo(cluster.checksumOnceApplied(first, index));
        assertThat(agreedIdentity(cluster)).isEqualTo(identity);

        // A data directory written by the previous version has no identity: it starts, and takes the cluster's.
        joined.stop();
        Files.delete(joined.dataDir().resolve("db").resolve("main.sqlite.cluster"));
        joined.start();
        assertThat(agreedIdentity(cluster)).isEqualTo(identity);
        assertThat(Files.readString(joined.dataDir().resolve("db").resolve("main.sqlite.cluster")).strip())
                .isEqualTo(identity);
    }

    /** Writes one statement through the leader; its log index. */
    private static long write(ProcessCluster on, String sql) throws InterruptedException {
        JsonNode answer = on.post(on.leader(), "/db/execute?raft_index",
                "[" + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(sql) + "]");
        assertThat(answer).as(sql).isNotNull();
        assertThat(answer.path("results").path(0).has("error")).as(answer.toString()).isFalse();
        return answer.path("raft_index").asLong();
    }

    /** The identity every member reports in /status, once all report the same one (waits up to 20 s). */
    private static String agreedIdentity(ProcessCluster on) throws InterruptedException {
        Set<String> seen = Set.of();
        for (int attempt = 0; attempt < 200; attempt++) {
            seen = new HashSet<>();
            for (ServerProcess node : on.nodes()) {
                String identity;
                try {
                    identity = node.clusterIdentity();
                } catch (IOException e) {
                    identity = null; // not answering yet
                }
                seen.add(identity == null ? "" : identity);
            }
            if (seen.size() == 1 && !seen.contains("")) {
                return seen.iterator().next();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the members did not agree on one cluster identity within 20 s: " + seen);
    }

    private void assertRowsOfAOnly(ServerProcess node) {
        JsonNode tables = cluster.get(node, "/db/query?level=none&q="
                + java.net.URLEncoder.encode("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
                java.nio.charset.StandardCharsets.UTF_8));
        assertThat(tables.path("results").path(0).path("values").toString())
                .isEqualTo("[[\"a_rows\"],[\"done\"]]");
        JsonNode rows = cluster.get(node, "/db/query?level=none&q=SELECT+count(*)+FROM+a_rows");
        assertThat(rows.path("results").path(0).path("values").path(0).path(0).asLong()).isGreaterThanOrEqualTo(20);
    }
}
