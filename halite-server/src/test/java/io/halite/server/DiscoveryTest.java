package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --bootstrap-expect N --join-dns NAME}, as pods of a StatefulSet behind a headless service use it: every
 * node listens on its own loopback address (127.0.0.2, 127.0.0.3, ...) with the same two ports, and resolves NAME
 * through a hosts file ({@code -Djdk.net.hosts.file}) that gives it one line per node.
 */
class DiscoveryTest {
    private static final String NAME = "halite-peers";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<ServerProcess> started = new ArrayList<>();
    private ProcessCluster cluster;
    private Path hosts;
    private int httpPort;
    private int raftPort;

    @BeforeEach
    void ports() throws Exception {
        hosts = dir.resolve("hosts");
        httpPort = ServerProcess.freePort();
        raftPort = ServerProcess.freePort();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        for (ServerProcess node : started) {
            node.close();
        }
    }

    @Test
    void threeNodesStartedAtOnceFormOneClusterAndAFourthStartedLaterJoinsItAsAVoter() throws Exception {
        List<ServerProcess> three = startThree();

        assertOneCluster(three, List.of("n0", "n1", "n2"));
        long index = write(three.get(1), "through n1");
        assertIdentical(three, index);

        publish(4);
        ServerProcess fourth = discovering(3, 3);
        cluster.nodes().add(fourth);
        fourth.start();
        assertThat(Files.readString(fourth.logFile())).contains("found a running cluster at");

        List<ServerProcess> four = cluster.nodes();
        assertOneCluster(four, List.of("n0", "n1", "n2", "n3"));
        index = write(fourth, "through n3");
        assertIdentical(four, index);
    }

    @Test
    void fourNodesStartedAtOnceExpectingThreeFormOneClusterThatTheFourthJoins() throws Exception {
        publish(4);
        cluster = ProcessCluster.launch(List.of(discovering(0, 3), discovering(1, 3), discovering(2, 3),
                discovering(3, 3)));
        List<ServerProcess> nodes = cluster.nodes();

        assertOneCluster(nodes, List.of("n0", "n1", "n2", "n3"));
        int founders = 0;
        for (ServerProcess node : nodes) {
            String log = Files.readString(node.logFile());
            founders += log.contains("every proposed member agrees") || log.contains("already lists this node") ? 1 : 0;
        }
        assertThat(founders).as("nodes that started the cluster rather than joining it").isEqualTo(3);
        assertIdentical(nodes, write(nodes.get(3), "through n3"));
    }

    @Test
    void aMemberKilledAndStartedAgainWithTheSameFlagsRejoinsAndCatchesUp() throws Exception {
        List<ServerProcess> nodes = startThree();
        // Every member holds the first write before one goes down: a member still starting its Raft server would
        // otherwise leave the other two without a majority.
        assertIdentical(nodes, write(nodes.get(0), "before the kill"));

        // A follower: writes through the others go on at once (killing the leader would first need an election,
        // which ClusterKillTest covers).
        ServerProcess leader = cluster.leader();
        ServerProcess killed = nodes.stream().filter(n -> n != leader).reduce((a, b) -> b).orElseThrow();
        killed.kill9();
        write(leader, "while a member is down");
        killed.start();

        assertThat(Files.readString(killed.logFile())).contains("it starts from its Raft state, without discovery");
        assertOneCluster(nodes, List.of("n0", "n1", "n2"));
        long index = write(killed, "after the restart");
        assertIdentical(nodes, index);
        JsonNode rows = cluster.get(killed, "/db/query?level=none&min_index=" + index + "&q="
                + java.net.URLEncoder.encode("SELECT v FROM t ORDER BY id", "UTF-8"));
        assertThat(rows.path("results").get(0).path("values").toString())
                .isEqualTo("[[\"before the kill\"],[\"while a member is down\"],[\"after the restart\"]]");
    }

    @Test
    void aMemberRemovedWhileAwayDiscardsItsOldStateAndJoinsAfreshWhenStartedAgain() throws Exception {
        List<ServerProcess> nodes = startThree();
        write(nodes.get(0), "before the removal");

        ServerProcess removed = nodes.get(2);
        removed.kill9();
        assertThat(cluster.send(nodes.get(0), "DELETE", "/remove", "{\"id\":\"n2\"}").body())
                .isEqualTo("{\"removed\":\"n2\"}");
        write(nodes.get(0), "while n2 is out");
        removed.start();

        assertThat(Files.readString(removed.logFile())).contains("does not list this node any more (it was "
                + "removed): discarding its data to join again as a new node").contains("found a running cluster at");
        assertOneCluster(nodes, List.of("n0", "n1", "n2"));
        assertIdentical(nodes, write(removed, "after joining again"));
    }

    @Test
    void aNameThatNeverResolvesFailsClearlyAfterTheBootstrapTimeout() throws Exception {
        Files.writeString(hosts, "127.0.0.2 some-other-name\n");
        ServerProcess node = discovering(0, 3, "--bootstrap-timeout", "3s");
        node.launch();

        assertThat(node.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
        String log = Files.readString(node.logFile());
        assertThat(log).contains("cannot form or find a cluster: no cluster formed within 3 s (--bootstrap-timeout): "
                + "the name " + NAME + " (--join-dns) does not resolve: Unable to resolve host " + NAME);
        assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void fewerNodesThanExpectedWaitAnsweringNotReadyThenFailClearlyAtTheTimeout() throws Exception {
        publish(3); // the third address never answers
        ServerProcess n0 = discovering(0, 3, "--bootstrap-timeout", "10s");
        ServerProcess n1 = discovering(1, 3, "--bootstrap-timeout", "10s");
        n0.launch();
        n1.launch();

        HttpResponse<String> ready = awaitAnswer(n0, "/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).startsWith("[-]node discovering: ");
        assertThat(awaitAnswer(n0, "/livez").statusCode()).isEqualTo(200);
        HttpResponse<String> query = awaitAnswer(n0, "/db/query?q=SELECT%201");
        assertThat(query.statusCode()).isEqualTo(503);
        assertThat(query.body()).startsWith("{\"error\":\"this node is still forming its cluster (--bootstrap-expect): ");

        for (ServerProcess node : List.of(n0, n1)) {
            assertThat(node.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
            String log = Files.readString(node.logFile());
            assertThat(log).contains("cannot form or find a cluster: no cluster formed within 10 s "
                    + "(--bootstrap-timeout): found 2 of the 3 nodes to start with (n0, n1) at the addresses of "
                    + NAME + " [127.0.0.2:" + httpPort + ", 127.0.0.3:" + httpPort + ", 127.0.0.4:" + httpPort
                    + "]; no answer from [").contains("127.0.0.4:" + httpPort + " (connection refused)]");
            assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    /** Nodes n0, n1 and n2, started at once expecting three, once each is ready. */
    private List<ServerProcess> startThree() throws Exception {
        publish(3);
        cluster = ProcessCluster.launch(List.of(discovering(0, 3), discovering(1, 3), discovering(2, 3)));
        return cluster.nodes();
    }

    /** The hosts file gives {@link #NAME} the addresses of nodes 0 to {@code count - 1}. */
    private void publish(int count) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append(address(i)).append(' ').append(NAME).append('\n');
        }
        Files.writeString(hosts, lines);
    }

    private static String address(int i) {
        return "127.0.0." + (i + 2);
    }

    /** Node {@code n<i>}, found and finding the others through {@link #NAME}. */
    private ServerProcess discovering(int i, int expect, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--node-id", "n" + i, "--bootstrap-expect",
                Integer.toString(expect), "--join-dns", NAME));
        args.addAll(List.of(extraArgs));
        ServerProcess node = new ServerProcess(dir.resolve("n" + i), dir.resolve("logs-n" + i), address(i), httpPort,
                raftPort, List.of(), args).systemProperty("jdk.net.hosts.file", hosts.toString())
                // Discovery comes first, and three JVMs start at once on a small machine.
                .readyTimeout(Duration.ofSeconds(180));
        started.add(node);
        return node;
    }

    /** Every node lists the same voting members and the same one leader. */
    private void assertOneCluster(List<ServerProcess> nodes, List<String> ids) throws Exception {
        String leader = cluster.leader().baseUrl();
        for (ServerProcess node : nodes) {
            JsonNode members = awaitMembers(node, ids.size()).path("nodes");
            TreeSet<String> listed = new TreeSet<>();
            List<String> leaders = new ArrayList<>();
            for (JsonNode member : members) {
                listed.add(member.path("id").asText());
                assertThat(member.path("voter").asBoolean()).isTrue();
                if (member.path("leader").asBoolean()) {
                    leaders.add(member.path("api_addr").asText());
                }
            }
            assertThat(listed).as("members seen by " + node.baseUrl()).containsExactlyElementsOf(ids);
            assertThat(leaders).as("leader seen by " + node.baseUrl()).containsExactly(leader);
        }
    }

    /** {@code /nodes} once it lists {@code count} members, each reachable (waits up to 30 s). */
    private JsonNode awaitMembers(ServerProcess node, int count) throws Exception {
        JsonNode last = null;
        for (int attempt = 0; attempt < 300; attempt++) {
            last = cluster.get(node, "/nodes?ver=2");
            if (last != null && last.path("nodes").size() == count) {
                boolean allReachable = true;
                for (JsonNode member : last.path("nodes")) {
                    allReachable &= member.path("reachable").asBoolean();
                }
                if (allReachable) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(node.baseUrl() + " did not list " + count + " reachable members: " + last);
    }

    private long write(ServerProcess node, String value) {
        JsonNode answer = cluster.post(node, "/db/execute?raft_index", "[\"CREATE TABLE IF NOT EXISTS t "
                + "(id INTEGER PRIMARY KEY, v TEXT)\", [\"INSERT INTO t(v) VALUES(?)\", \"" + value + "\"]]");
        assertThat(answer).as("write through " + node.baseUrl()).isNotNull();
        assertThat(answer.path("results").get(1).path("rows_affected").asInt()).isEqualTo(1);
        return answer.path("raft_index").asLong();
    }

    private void assertIdentical(List<ServerProcess> nodes, long index) throws Exception {
        String first = cluster.checksumOnceApplied(nodes.get(0), index);
        for (ServerProcess node : nodes) {
            String checksum = cluster.checksumOnceApplied(node, index);
            assertThat(checksum).as("replica " + node.baseUrl()).isEqualTo(first);
        }
    }

    /** The first answer to {@code GET path} (waits up to 30 s for the node to listen). */
    private HttpResponse<String> awaitAnswer(ServerProcess node, String path) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 300; attempt++) {
            try {
                return cluster().raw(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                        .timeout(Duration.ofSeconds(5)).GET().build());
            } catch (java.io.IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(node.baseUrl() + path + " did not answer: " + last);
    }

    /** A harness without members, for its HTTP helpers. */
    private ProcessCluster cluster() throws Exception {
        if (cluster == null) {
            cluster = ProcessCluster.launch(List.of());
        }
        return cluster;
    }
}
