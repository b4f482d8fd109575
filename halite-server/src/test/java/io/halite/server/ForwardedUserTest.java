package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower passes the user names of the writes it forwards to a leader that announced it takes them; the leader
 * checks them against its own users file (each node here has a file of its own) and keeps them out of the log.
 * Mirrors {@link AuthClusterTest}'s set-up; one cluster serves the first two tests, the third starts members that
 * play the previous version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForwardedUserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Names found nowhere in the SQL, so that finding one in a Raft log means the log holds user names. */
    private static final String ALICE = "alice-fw";
    private static final String BOB = "bob-fw";
    private static final Map<String, String> NODE_PASSWORD = Map.of("HALITE_NODE_PASSWORD", "n-pass");
    private static final String REFUSED_BY_LEADER = "the leader refused the request: its users do not allow user '"
            + BOB + "' to make it (this node's users file differs from the leader's)";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failure keeps the nodes' logs
    static Path dir;
    private ProcessCluster cluster;

    @BeforeAll
    void start() throws Exception {
        cluster = startCluster(dir.resolve("current"), false);
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every user may write at first; {@link #revokeBobOn} changes one node's file. */
    private static UsersFileBuilder users(boolean bobExecutes) {
        return new UsersFileBuilder().anonymous("ready", "status")
                .user("node", "n-pass", "join", "status", "backup")
                .user(ALICE, "a-pass", "query", "execute")
                .user(BOB, "b-pass", bobExecutes ? new String[] {"query", "execute"} : new String[] {"query"});
    }

    private static Path usersFileOf(Path root, int node) {
        return root.resolve("users-n" + node + ".json");
    }

    /** Three members, each reading a users file of its own; with {@code previousVersion} none announces anything. */
    private static ProcessCluster startCluster(Path root, boolean previousVersion) throws Exception {
        Files.createDirectories(root);
        int size = 3;
        int[] ports = new int[2 * size];
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports[2 * i] = ServerProcess.freePort();
            ports[2 * i + 1] = ServerProcess.freePort();
            peers.add("n" + i + "@127.0.0.1:" + ports[2 * i + 1]);
        }
        List<ServerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Path users = users(true).writeTo(usersFileOf(root, i));
            ServerProcess node = new ServerProcess(root.resolve("n" + i), root.resolve("logs-n" + i), ports[2 * i],
                    ports[2 * i + 1], List.of("--node-id", "n" + i, "--peers", String.join(",", peers), "--auth",
                    users.toString(), "--node-user", "node")).environment(NODE_PASSWORD);
            if (previousVersion) {
                node.systemProperty("halite.test.announceNothing", "true");
            }
            nodes.add(node);
        }
        return ProcessCluster.launch(nodes);
    }

    private static RawHttp.Answer post(ServerProcess node, String path, String user, String password, String body)
            throws Exception {
        return RawHttp.send("127.0.0.1", node.baseUrl(), "POST", path, RawHttp.basic(user, password), body);
    }

    private static RawHttp.Answer alice(ServerProcess node, String body) throws Exception {
        return post(node, "/db/execute?raft_index", ALICE, "a-pass", body);
    }

    private static RawHttp.Answer bob(ServerProcess node, String body) throws Exception {
        return post(node, "/db/execute?raft_index", BOB, "b-pass", body);
    }

    private static long raftIndex(RawHttp.Answer answer) throws Exception {
        assertThat(answer.status()).as("%s", answer).isEqualTo(200);
        JsonNode results = JSON.readTree(answer.body());
        assertThat(results.path("results").toString()).as("%s", answer).doesNotContain("\"error\"");
        return results.path("raft_index").asLong();
    }

    private static String rows(ServerProcess node, String table) throws Exception {
        RawHttp.Answer answer = RawHttp.send("127.0.0.1", node.baseUrl(), "GET",
                "/db/query?level=none&q=SELECT%20v%20FROM%20" + table + "%20ORDER%20BY%20v",
                RawHttp.basic(ALICE, "a-pass"), null);
        assertThat(answer.status()).as("%s", answer).isEqualTo(200);
        return JSON.readTree(answer.body()).path("results").get(0).path("values").toString();
    }

    private record Members(ServerProcess leader, ServerProcess follower) {}

    /** The leader and a follower of {@code cluster}, once the leader has created {@code table}. */
    private static Members leaderAndFollowerWith(ProcessCluster cluster, String table) throws Exception {
        ServerProcess leader = cluster.leader();
        raftIndex(alice(leader, "[\"CREATE TABLE " + table + "(v TEXT)\"]"));
        return new Members(leader, cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow());
    }

    /** Replaces the users file of {@code node} (index {@code i}) by one where Bob may only query; waits for it. */
    private static void revokeBobOn(Path root, ServerProcess node) throws Exception {
        int i = Integer.parseInt(node.dataDir().getFileName().toString().substring(1));
        users(false).writeTo(usersFileOf(root, i));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(node.logFile()).contains("reloaded the users file")) {
            assertThat(System.nanoTime()).as("the leader reloads its users file").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Every member's content checksum once it has applied {@code index}; all equal. */
    private static void assertReplicasEqual(ProcessCluster cluster, long index) throws Exception {
        List<String> checksums = new ArrayList<>();
        for (ServerProcess node : cluster.nodes()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode checksum;
            do {
                RawHttp.Answer answer = RawHttp.send("127.0.0.1", node.baseUrl(), "GET", "/db/checksum",
                        RawHttp.basic(ALICE, "a-pass"), null);
                assertThat(answer.status()).as("%s", answer).isEqualTo(200);
                checksum = JSON.readTree(answer.body());
                assertThat(System.nanoTime()).as("%s applies index %d", node.baseUrl(), index).isLessThan(deadline);
                Thread.sleep(50);
            } while (checksum.path("applied_index").asLong() < index);
            checksums.add(checksum.path("checksum").asText());
        }
        assertThat(checksums).as("content checksums of every replica").containsOnly(checksums.get(0));
    }

    /** Whether any file of any member's Raft storage holds {@code text}. */
    private static boolean raftLogsHold(ProcessCluster cluster, String text) throws Exception {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        for (ServerProcess node : cluster.nodes()) {
            try (Stream<Path> files = Files.walk(node.dataDir().resolve("raft"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    if (content.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Waits until the follower passes user names to the leader, which it does once it has heard the leader announce
     * that it takes them (once a second): a failing write shows when, since the leader names the user of a
     * forwarded write that fails.
     *
     * @param missing a table that does not exist, not used before
     * @return the leader's log line
     */
    private static String awaitNamesPassed(Members members, String missing) throws Exception {
        String named = "a request forwarded for user '" + ALICE + "' failed: no such table: " + missing;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.readString(members.leader().logFile()).contains(named)) {
            assertThat(System.nanoTime()).as("the leader names the user: %s", named).isLessThan(deadline);
            RawHttp.Answer failing = alice(members.follower(), "[\"INSERT INTO " + missing + " VALUES(1)\"]");
            assertThat(failing.body()).as("%s", failing).contains("no such table: " + missing);
            Thread.sleep(200);
        }
        return named;
    }

    @Test
    @Order(1)
    void theLeaderNamesTheUserOfAForwardedWriteAndTheLogHoldsOnlyTheBareEntry() throws Exception {
        Members members = leaderAndFollowerWith(cluster, "f");
        ServerProcess leader = members.leader();
        ServerProcess follower = members.follower();

        String named = awaitNamesPassed(members, "missing_f");
        assertThat(Files.readString(follower.logFile())).doesNotContain(named);

        raftIndex(alice(leader, "[\"INSERT INTO f VALUES('through the leader')\"]"));
        long index = raftIndex(alice(follower, "[\"INSERT INTO f VALUES('forwarded')\"]"));
        assertReplicasEqual(cluster, index);
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rows(node, "f")).isEqualTo("[[\"forwarded\"],[\"through the leader\"]]");
        }
        assertThat(raftLogsHold(cluster, "VALUES('forwarded')")).as("the Raft logs hold the statements").isTrue();
        assertThat(raftLogsHold(cluster, ALICE)).as("a Raft log holds the user name").isFalse();
    }

    @Test
    @Order(2)
    void theLeaderRefusesAUserItsOwnUsersFileNoLongerAllowsWhileAnotherUsersWritesGoThrough() throws Exception {
        Members members = leaderAndFollowerWith(cluster, "g");
        ServerProcess leader = members.leader();
        revokeBobOn(dir.resolve("current"), leader);
        awaitNamesPassed(members, "missing_g");
        RawHttp.Answer direct = bob(leader, "[\"INSERT INTO g VALUES('bob at the leader')\"]");
        assertThat(direct.status()).as("%s", direct).isEqualTo(403);

        // Bob's and Alice's writes sent together, so that they share the follower's entries.
        ServerProcess follower = members.follower();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<RawHttp.Answer>> bobs = new ArrayList<>();
        List<Future<RawHttp.Answer>> alices = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                String value = String.valueOf(i);
                bobs.add(clients.submit(() -> bob(follower, "[\"INSERT INTO g VALUES('bob " + value + "')\"]")));
                alices.add(clients.submit(() -> alice(follower, "[\"INSERT INTO g VALUES('alice " + value + "')\"]")));
            }
            long index = 0;
            for (Future<RawHttp.Answer> answer : alices) {
                index = Math.max(index, raftIndex(answer.get()));
            }
            for (Future<RawHttp.Answer> answer : bobs) {
                RawHttp.Answer refused = answer.get();
                assertThat(refused.status()).as("%s", refused).isEqualTo(403);
                assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo(REFUSED_BY_LEADER);
            }
            assertReplicasEqual(cluster, index);
        } finally {
            clients.shutdownNow();
        }
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rows(node, "g")).isEqualTo("[[\"alice 0\"],[\"alice 1\"],[\"alice 2\"],[\"alice 3\"]]");
        }
        assertThat(Files.readString(leader.logFile())).contains("refused a request forwarded for user '" + BOB
                + "': user '" + BOB + "' lacks the 'execute' permission");
        assertThat(raftLogsHold(cluster, BOB)).as("a Raft log holds the user name").isFalse();
    }

    @Test
    @Order(3)
    void aLeaderThatAnnouncesNothingReceivesBareEntriesAndTrustsItsFollowersAsBefore() throws Exception {
        Path root = dir.resolve("previous");
        try (ProcessCluster previous = startCluster(root, true)) {
            Members members = leaderAndFollowerWith(previous, "h");
            revokeBobOn(root, members.leader());
            Thread.sleep(2_000); // several rounds of member messages: an announcement would have arrived

            ServerProcess follower = members.follower();
            long index = raftIndex(bob(follower, "[\"INSERT INTO h VALUES('bob, checked by the follower only')\"]"));
            RawHttp.Answer failing = alice(follower, "[\"INSERT INTO missing VALUES(1)\"]");
            assertThat(failing.body()).as("%s", failing).contains("no such table: missing");
            assertReplicasEqual(previous, index);
            for (ServerProcess node : previous.nodes()) {
                assertThat(rows(node, "h")).isEqualTo("[[\"bob, checked by the follower only\"]]");
            }
            assertThat(Files.readString(members.leader().logFile())).doesNotContain("forwarded for user");
        }
    }
}
