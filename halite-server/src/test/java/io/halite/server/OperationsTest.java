package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.http.ApiTestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What operators run Halite with: /metrics, a separate metrics listener, JSON logs, POST /leader, read replicas. */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Map<String, String> EXECUTE_OK = Map.of("endpoint", "/db/execute", "code", "200");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ProcessCluster cluster;
    private final List<ServerProcess> singles = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        for (ServerProcess node : singles) {
            node.close();
        }
    }

    @Test
    void metricsParseAsPrometheusTextAndFollowLeadershipAndTraffic() throws Exception {
        List<ServerProcess> nodes = clusterWithTable();
        ServerProcess leader = cluster.leader();

        int leaders = 0;
        for (ServerProcess node : nodes) {
            PrometheusText metrics = scrape(node.baseUrl());
            assertThat(metrics.value("halite_server_has_leader")).as("has_leader on " + node.baseUrl()).isEqualTo(1);
            double isLeader = metrics.value("halite_server_is_leader");
            assertThat(isLeader).as("is_leader on " + node.baseUrl()).isEqualTo(node == leader ? 1 : 0);
            leaders += (int) isLeader;
            assertThat(metrics.value("halite_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1);
            assertThat(metrics.value("halite_raft_log_fsync_duration_seconds_count")).isGreaterThan(0);
            assertThat(metrics.value("halite_sqlite_db_size_bytes")).isGreaterThan(0);
            assertThat(metrics.value("jvm_threads_live_threads")).isGreaterThan(0);
            assertThat(metrics.value("process_uptime_seconds")).isGreaterThan(0);
        }
        assertThat(leaders).as("nodes reporting is_leader 1").isEqualTo(1);

        ServerProcess entry = nodes.get(0);
        PrometheusText before = scrape(entry.baseUrl());
        int writes = 25;
        for (int id = 1; id <= writes; id++) {
            assertThat(cluster.post(entry, "/db/execute", "[[\"INSERT INTO t(id) VALUES(?)\", " + id + "]]"))
                    .isNotNull();
        }
        cluster.send(entry, "GET", "/no/such/path", null);
        cluster.send(entry, "GET", "/db/tx/abc/commit", null);
        // A request is counted once its answer is sent, so the client may scrape a moment before that.
        PrometheusText after = awaitMetricAtLeast(entry, "halite_http_requests_total",
                Map.of("endpoint", "/db/tx", "code", "405"), 1);

        assertThat(after.value("halite_http_requests_total", EXECUTE_OK))
                .as("requests counted on the node that received them")
                .isEqualTo(before.valueOrZero("halite_http_requests_total", EXECUTE_OK) + writes);
        assertThat(after.value("halite_http_request_duration_seconds_count", Map.of("endpoint", "/db/execute")))
                .isEqualTo(before.value("halite_http_request_duration_seconds_count", Map.of("endpoint", "/db/execute"))
                        + writes);
        assertThat(after.value("halite_http_requests_total", Map.of("endpoint", "other", "code", "404")))
                .as("unknown paths share one label").isEqualTo(1);
        assertThat(after.value("halite_http_requests_total", Map.of("endpoint", "/db/tx", "code", "405")))
                .isEqualTo(1);
        assertThat(after.samples()).as("no label holds a raw path")
                .noneMatch(s -> s.labels().containsValue("/no/such/path"));
        assertThat(after.value("halite_writes_per_entry_count"))
                .isGreaterThanOrEqualTo(before.value("halite_writes_per_entry_count") + 1);
        for (ServerProcess node : nodes) {
            awaitMetricAtLeast(node, "halite_raft_applied_index",
                    before.value("halite_raft_applied_index") + writes);
        }
    }

    @Test
    void theMetricsListenerServesMetricsAndHealthAndNothingElse() throws Exception {
        int metricsPort = ServerProcess.freePort();
        ServerProcess node = single("--metrics-addr", "127.0.0.1:" + metricsPort);
        String operations = "http://127.0.0.1:" + metricsPort;

        HttpResponse<String> metrics = get(operations + "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusText.parse(metrics.body()).value("halite_server_is_leader")).isEqualTo(1);
        assertThat(get(operations + "/livez").statusCode()).isEqualTo(200);
        HttpResponse<String> readyz = get(operations + "/readyz");
        assertThat(readyz.statusCode()).isEqualTo(200);
        assertThat(readyz.body()).isEqualTo("[+]node ok\n[+]leader ok\n[+]store ok");
        for (String path : List.of("/db/query?q=SELECT+1", "/status", "/nodes", "/db/backup")) {
            HttpResponse<String> refused = get(operations + path);
            assertThat(refused.statusCode()).as(path).isEqualTo(404);
            assertThat(refused.body()).contains("this listener serves /metrics, /livez and /readyz");
        }
        assertThat(get(node.baseUrl() + "/db/query?q=SELECT+1").statusCode()).as("the API still answers")
                .isEqualTo(200);
        assertThat(get(node.baseUrl() + "/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void backupMetricsShowTheLastUploadAndNoErrors() throws Exception {
        ServerProcess node = single("--backup", dir.resolve("backup").toUri().toString(), "--backup-interval", "100ms");
        long before = System.currentTimeMillis() / 1000;
        assertThat(post(node.baseUrl() + "/db/execute", "[\"CREATE TABLE t(x)\"]").statusCode()).isEqualTo(200);

        PrometheusText metrics = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            metrics = scrape(node.baseUrl());
            if (metrics.value("halite_backup_last_success_timestamp_seconds") >= before
                    && metrics.value("halite_backup_lag_seconds") == 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(metrics.value("halite_backup_last_success_timestamp_seconds")).isGreaterThanOrEqualTo(before);
        assertThat(metrics.value("halite_backup_lag_seconds")).isEqualTo(0);
        assertThat(metrics.value("halite_backup_errors_total")).isEqualTo(0);
        assertThat(metrics.value("halite_backup_lease_refused")).as("this cluster holds the lease").isEqualTo(0);
    }

    @Test
    void withLogFormatJsonEveryLineEveryMemberWritesIsOneJsonObject() throws Exception {
        // A cluster, not a single node: members talk gRPC, whose library logs through java.util.logging.
        for (ServerProcess node : clusterWithTable("--log-format", "json")) {
            assertThat(node.stop()).isEqualTo(0);
        }

        for (ServerProcess node : cluster.nodes()) {
            List<String> lines = Files.readAllLines(node.logFile(), StandardCharsets.UTF_8);
            assertThat(lines).hasSizeGreaterThan(3);
            for (String line : lines) {
                JsonNode event = JSON.readTree(line);
                assertThat(event.isObject()).as(line).isTrue();
                assertThat(event.path("timestamp").isNumber()).as(line).isTrue();
                assertThat(event.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
                assertThat(event.path("loggerName").asText()).as(line).isNotEmpty();
                assertThat(event.path("formattedMessage").isTextual()).as(line).isTrue();
            }
            assertThat(lines).anyMatch(l -> l.contains("\"formattedMessage\":\"stopped cleanly\""));
        }
    }

    @Test
    void postLeaderMovesLeadershipWhileWritesGoOnAndLoseNothing() throws Exception {
        List<ServerProcess> nodes = clusterWithTable();
        ServerProcess leader = cluster.leader();
        String leaderId = "n" + nodes.indexOf(leader);
        ServerProcess follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();

        HttpResponse<String> redirected = cluster.send(follower, "POST", "/leader", null);
        assertThat(redirected.statusCode()).as("a follower sends the request to the leader").isEqualTo(307);
        assertThat(redirected.headers().firstValue("Location")).hasValue(leader.baseUrl() + "/leader");

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong maxIndex = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger failed = new AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int id = 1; writing.get(); id++) {
                JsonNode body = cluster.post(nodes.get(id % nodes.size()), "/db/execute?raft_index",
                        "[[\"INSERT INTO t(id) VALUES(?)\", " + id + "]]");
                if (body != null && !body.path("results").path(0).has("error")) {
                    acknowledged.add(id);
                    maxIndex.accumulateAndGet(body.path("raft_index").asLong(), Math::max);
                } else {
                    failed.incrementAndGet();
                }
            }
        });
        writer.start();
        for (int waited = 0; acknowledged.size() < 5; waited++) {
            assertThat(waited).as("writes acknowledged before the hand-over").isLessThan(600);
            Thread.sleep(50);
        }

        List<Double> changesBefore = new ArrayList<>();
        for (ServerProcess node : nodes) {
            changesBefore.add(scrape(node.baseUrl()).value("halite_server_leader_changes_seen_total"));
        }
        HttpResponse<String> stepped = cluster.send(leader, "POST", "/leader", null);
        assertThat(stepped.statusCode()).as(stepped.body() + "; leader log:\n" + leader.logTail()).isEqualTo(200);
        JsonNode answer = JSON.readTree(stepped.body());
        assertThat(answer.path("previous_leader").asText()).isEqualTo(leaderId);
        String successor = answer.path("leader").asText();
        assertThat(successor).isIn("n0", "n1", "n2").isNotEqualTo(leaderId);
        ServerProcess newLeader = nodes.get(Integer.parseInt(successor.substring(1)));
        assertThat(cluster.leader()).isSameAs(newLeader);
        assertThat(scrape(newLeader.baseUrl()).value("halite_server_is_leader")).isEqualTo(1);
        assertThat(scrape(leader.baseUrl()).value("halite_server_is_leader")).isEqualTo(0);
        for (int i = 0; i < nodes.size(); i++) {
            awaitMetricAtLeast(nodes.get(i), "halite_server_leader_changes_seen_total", changesBefore.get(i) + 1);
        }

        int atHandOver = acknowledged.size();
        for (int waited = 0; acknowledged.size() < atHandOver + 5 && waited < 300; waited++) {
            Thread.sleep(100);
        }
        writing.set(false);
        writer.join(30_000);
        System.out.printf("leadership moved from %s to %s; %d writes acknowledged (%d after), %d not%n", leaderId,
                successor, acknowledged.size(), acknowledged.size() - atHandOver, failed.get());
        assertThat(acknowledged.size()).as("writes go on after the hand-over").isGreaterThan(atHandOver);

        for (ServerProcess node : nodes) {
            JsonNode rows = cluster.get(node, "/db/query?level=none&min_index=" + maxIndex.get()
                    + "&q=SELECT+id+FROM+t");
            Set<Integer> present = new HashSet<>();
            rows.path("results").path(0).path("values").forEach(v -> present.add(v.get(0).asInt()));
            assertThat(acknowledged).filteredOn(write -> !present.contains(write))
                    .as("acknowledged writes missing on %s", node.baseUrl()).isEmpty();
        }
    }

    @Test
    void postLeaderOnASingleNodeSaysThereIsNobodyToHandOverTo() throws Exception {
        try (ApiTestServer server = ApiTestServer.start()) {
            ApiTestServer.Reply reply = server.postJson("/leader", "");
            assertThat(reply.status()).isEqualTo(409);
            assertThat(reply.body()).isEqualTo("{\"error\":\"there is no other voting member to hand leadership to: "
                    + "node node1 is the only voter\"}");
            assertThat(server.get("/status").status()).isEqualTo(200);
            assertThat(server.node().isLeader()).isTrue();
            assertThat(server.get("/leader").status()).isEqualTo(405);
        }
    }

    @Test
    void transactionsThatEndWithoutCommittingAreCountedByReason() throws Exception {
        try (ApiTestServer server = ApiTestServer.start()) {
            String rolledBack = JSON.readTree(server.postJson("/db/tx", "").body()).path("tx").asText();
            assertThat(server.postJson("/db/tx/" + rolledBack + "/rollback", "").status()).isEqualTo(200);
            ApiTestServer.Reply idle = server.postJson("/db/tx?idle_timeout=100ms", "");
            assertThat(idle.status()).isEqualTo(200);

            PrometheusText metrics = null;
            for (int attempt = 0; attempt < 100; attempt++) {
                metrics = PrometheusText.parse(server.get("/metrics").body());
                if (metrics.value("halite_tx_aborted_total", Map.of("reason", "idle_timeout")) > 0) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(metrics.value("halite_tx_aborted_total", Map.of("reason", "idle_timeout"))).isEqualTo(1);
            double aborted = metrics.samples().stream()
                    .filter(sample -> sample.name().equals("halite_tx_aborted_total"))
                    .mapToDouble(PrometheusText.Sample::value).sum();
            assertThat(aborted).as("a rollback the client asked for is no abort").isEqualTo(1);
        }
    }

    @Test
    void aReadReplicaWithRemoveOnShutdownLeavesTheClusterOnSigtermAndExitsWithZero() throws Exception {
        cluster = ProcessCluster.start(dir, 1);
        ServerProcess voter = cluster.nodes().get(0);
        ServerProcess replica = cluster.join(dir, voter, "--non-voter", "--remove-on-shutdown");
        assertThat(memberIds(voter)).containsExactly("n0", "n1");
        // The replica restarted its Raft server once added: its meters are the running node's.
        PrometheusText replicaMetrics = scrape(replica.baseUrl());
        assertThat(replicaMetrics.value("halite_server_has_leader")).isEqualTo(1);
        assertThat(replicaMetrics.value("halite_server_is_leader")).isEqualTo(0);
        assertThat(replicaMetrics.value("halite_raft_commit_index")).isGreaterThan(0);

        assertThat(replica.stop()).as("exit code after SIGTERM").isEqualTo(0);

        assertThat(memberIds(voter)).containsExactly("n0");
        assertThat(Files.readString(replica.logFile())).contains("removed this node from the cluster");
    }

    @Test
    void aVoterRefusesRemoveOnShutdown() throws Exception {
        ServerProcess.CliResult result = ServerProcess.runCli(dir.resolve("cli"), "serve", "--data-dir",
                dir.resolve("data").toString(), "--remove-on-shutdown");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("--remove-on-shutdown is for non-voting members (--join with "
                + "--non-voter): removing a voter on every restart would shrink the cluster's quorum");
        assertThat(dir.resolve("data/raft")).doesNotExist();
    }

    /** Starts a 3-node cluster (each member with {@code extraArgs}) holding a table t(id INTEGER PRIMARY KEY). */
    private List<ServerProcess> clusterWithTable(String... extraArgs) throws Exception {
        cluster = ProcessCluster.start(dir, 3, extraArgs);
        assertThat(cluster.post(cluster.nodes().get(0), "/db/execute",
                "[\"CREATE TABLE t(id INTEGER PRIMARY KEY)\"]")).isNotNull();
        return cluster.nodes();
    }

    private ServerProcess single(String... args) throws Exception {
        ServerProcess node = new ServerProcess(dir.resolve("data-" + singles.size()),
                dir.resolve("logs-" + singles.size()), ServerProcess.freePort(), ServerProcess.freePort(),
                List.of(args));
        singles.add(node);
        node.start();
        return node;
    }

    private List<String> memberIds(ServerProcess node) {
        List<String> ids = new ArrayList<>();
        cluster.get(node, "/nodes?ver=2&nonvoters").path("nodes").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    private PrometheusText scrape(String baseUrl) throws Exception {
        HttpResponse<String> response = get(baseUrl + "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    private void awaitMetricAtLeast(ServerProcess node, String name, double least) throws Exception {
        awaitMetricAtLeast(node, name, Map.of(), least);
    }

    /** Scrapes until the sample reaches {@code least}; returns that scrape. */
    private PrometheusText awaitMetricAtLeast(ServerProcess node, String name, Map<String, String> labels,
                                              double least) throws Exception {
        double last = 0;
        for (int attempt = 0; attempt < 100; attempt++) {
            PrometheusText metrics = scrape(node.baseUrl());
            last = metrics.valueOrZero(name, labels);
            if (last >= least) {
                return metrics;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + labels + " on " + node.baseUrl() + " is " + last + ", not at least " + least);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
