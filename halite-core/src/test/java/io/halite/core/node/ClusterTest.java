package io.halite.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.engine.RandomWorkload;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes on loopback in one Raft group: writes through any node, identical replicas, and a leader that
 * stops is replaced while writes go on; when it comes back it catches up.
 */
class ClusterTest {
    @TempDir
    Path dir;

    private final List<HaliteNode> nodes = new ArrayList<>();
    private List<NodeConfig.Peer> peers;

    @AfterEach
    void stopAll() throws Exception {
        for (HaliteNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }

    private NodeConfig config(int i) {
        return new NodeConfig("n" + i, dir.resolve("n" + i), peers.get(i).raftAddress(), peers, false,
                SqliteDatabase.Options.defaults(), 8L << 20, 1L << 20, 4, Duration.ofMillis(300), 4096,
                "http://api-of-n" + i, peers.get(i).raftAddress());
    }

    private HaliteNode start(int i) throws Exception {
        return HaliteNode.start(config(i), e -> { throw new AssertionError(e); });
    }

    private static WriteOutcome insert(HaliteNode node, String value) throws Exception {
        return node.write(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(v) VALUES(?)", value)), false))
                .get(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Why {@code node} refuses to serve {@code read} from its data, or null. */
    private static String staleness(HaliteNode node, ReadRequest read) throws Exception {
        return node.read(new SqlRequest(List.of(), false), read, Duration.ofSeconds(5)).staleRefusal();
    }

    /** The rows in t, read locally once {@code minIndex} is applied. */
    private static long count(HaliteNode node, long minIndex) throws Exception {
        var read = node.read(new SqlRequest(List.of(SqlStatement.of("SELECT count(*) FROM t")), false),
                new ReadRequest(ReadLevel.NONE, null, false, minIndex), Duration.ofSeconds(5));
        return (Long) ((StatementResult.Rows) read.results().get(0)).values().get(0)[0];
    }

    private HaliteNode leader() throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            for (HaliteNode node : nodes) {
                if (node != null && node.isLeader() && node.isReady()) {
                    return node;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no leader elected");
    }

    @Test
    void writesThroughAnyNodeReachEveryReplicaAndSurviveTheLeaderStopping() throws Exception {
        peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(new NodeConfig.Peer("n" + i, "127.0.0.1:" + HaliteNodeTest.freePort()));
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(start(i));
        }
        leader().write(new SqlRequest(List.of(SqlStatement.of(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()))")),
                false)).get();

        long last = 0;
        for (int round = 0; round < 10; round++) {
            for (HaliteNode node : nodes) {
                last = Math.max(last, insert(node, "via " + node.config().nodeId() + " #" + round).raftIndex());
            }
        }
        for (HaliteNode node : nodes) {
            assertThat(node.awaitApplied(last, Duration.ofSeconds(10))).isTrue();
            assertThat(count(node, last)).isEqualTo(30);
        }
        assertThat(nodes.stream().map(n -> checksum(n)).distinct()).as("replicas identical").hasSize(1);

        HaliteNode follower = nodes.stream().filter(n -> !n.isLeader()).findFirst().orElseThrow();
        for (int i = 0; i < 3; i++) {
            assertThat(follower.apiAddressOf("n" + i, Duration.ofSeconds(5))).as("members tell their API address")
                    .isEqualTo("http://api-of-n" + i);
        }
        for (ReadLevel level : ReadLevel.values()) {
            WriteOutcome written = insert(leader(), "read at " + level);
            var read = follower.read(new SqlRequest(List.of(SqlStatement.of("SELECT v FROM t WHERE id = ?",
                    ((StatementResult.Exec) written.results().get(0)).lastInsertId())), false), ReadRequest.at(level), Duration.ofSeconds(5));
            if (level != ReadLevel.NONE) {
                assertThat(((StatementResult.Rows) read.results().get(0)).values())
                        .as("a %s read on a follower sees a write acknowledged by the leader", level)
                        .containsExactly(new Object[] {"read at " + level});
            }
            last = Math.max(last, written.raftIndex());
        }
        var refused = follower.read(new SqlRequest(List.of(SqlStatement.of("DELETE FROM t")), false),
                ReadRequest.at(ReadLevel.WEAK), Duration.ofSeconds(5));
        assertThat(refused.results().get(0)).isInstanceOf(StatementResult.Failed.class);
        // A statement on a table this follower does not know yet (just created through another node) may be a
        // write: it goes through the log for the leader to judge. On the leader it is an error, read or not.
        SqlStatement unknownTable = SqlStatement.of("INSERT INTO created_elsewhere VALUES (1)");
        assertThat(follower.isWrite(unknownTable)).isTrue();
        assertThat(leader().isWrite(unknownTable)).isFalse();
        assertThat(follower.isWrite(SqlStatement.of("SELECT v FROM t"))).isFalse();
        int expected = 30 + ReadLevel.values().length;

        HaliteNode old = leader();
        int oldIndex = nodes.indexOf(old);
        old.close();
        nodes.set(oldIndex, null);
        HaliteNode survivor = nodes.stream().filter(n -> n != null).findFirst().orElseThrow();
        for (int i = 0; i < 10; i++) {
            last = Math.max(last, insert(survivor, "after failover " + i).raftIndex());
        }
        HaliteNode back = start(oldIndex);
        nodes.set(oldIndex, back);
        for (HaliteNode node : nodes) {
            assertThat(node.awaitApplied(last, Duration.ofSeconds(20))).isTrue();
            assertThat(count(node, last)).isEqualTo(expected + 10);
        }
        assertThat(nodes.stream().map(n -> checksum(n)).distinct()).as("replicas identical after failover").hasSize(1);

        ReadRequest fresh = new ReadRequest(ReadLevel.NONE, Duration.ofSeconds(30), true, 0);
        for (HaliteNode node : nodes) {
            // A restarted member counts as catching up until the leader has told it how far it applied (members
            // tell each other once a second).
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (staleness(node, fresh) != null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(staleness(node, fresh)).as("fresh while the cluster is up").isNull();
        }
        HaliteNode alone = nodes.get(oldIndex);
        for (int i = 0; i < nodes.size(); i++) {
            if (i != oldIndex) {
                nodes.get(i).close();
                nodes.set(i, null);
            }
        }
        // Long enough for a leader to step down (twice the election timeout) and for the staleness bound to pass.
        Thread.sleep(2000);
        assertThat(alone.isLeader()).as("a leader without a majority steps down").isFalse();
        assertThat(staleness(alone, new ReadRequest(ReadLevel.NONE, Duration.ofMillis(500), false, 0)))
                .as("a node cut off from its leader refuses bounded-staleness reads").startsWith("stale read");
    }

    @Test
    void replicasAreIdenticalAfterARandomWorkloadWrittenThroughEveryNode() throws Exception {
        long seed = RandomWorkload.seed();
        peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(new NodeConfig.Peer("n" + i, "127.0.0.1:" + HaliteNodeTest.freePort()));
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(start(i));
        }
        for (String sql : RandomWorkload.SCHEMA) {
            leader().write(RandomWorkload.req(false, SqlStatement.of(sql))).get(20, TimeUnit.SECONDS);
        }
        Random rnd = new Random(seed);
        int[] next = {0};
        List<CompletableFuture<WriteOutcome>> written = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            SqlRequest request = i < RandomWorkload.KINDS ? RandomWorkload.request(i, rnd, next)
                    : RandomWorkload.randomRequest(rnd, next);
            written.add(nodes.get(rnd.nextInt(nodes.size())).write(request));
            if (written.size() % 16 == 0) {
                written.get(written.size() - 16).get(20, TimeUnit.SECONDS); // at most 16 in flight
            }
        }
        long last = 0;
        for (CompletableFuture<WriteOutcome> w : written) {
            last = Math.max(last, w.get(20, TimeUnit.SECONDS).raftIndex());
        }
        for (HaliteNode node : nodes) {
            assertThat(node.awaitApplied(last, Duration.ofSeconds(20))).isTrue();
        }
        assertThat(nodes.stream().map(n -> checksum(n)).distinct())
                .as("replicas identical after a random workload (seed=%d)", seed).hasSize(1);
    }

    private static String checksum(HaliteNode node) {
        try {
            return node.database().checksum();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
