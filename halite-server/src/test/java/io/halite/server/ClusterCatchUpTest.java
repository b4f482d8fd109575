package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that was down while the leader purged its log catches up from a copy of the leader's database, and
 * then holds exactly the leader's content.
 */
class ClusterCatchUpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<ServerProcess> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopAll() throws Exception {
        for (ServerProcess node : nodes) {
            node.close();
        }
    }

    @Test
    void followerBehindAPurgedLogCatchesUpFromACopy() throws Exception {
        List<String> peers = new ArrayList<>();
        int[] httpPorts = new int[3];
        int[] raftPorts = new int[3];
        for (int i = 0; i < 3; i++) {
            httpPorts[i] = ServerProcess.freePort();
            raftPorts[i] = ServerProcess.freePort();
            peers.add("n" + i + "@127.0.0.1:" + raftPorts[i]);
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(new ServerProcess(dir.resolve("n" + i), dir.resolve("logs-n" + i), httpPorts[i], raftPorts[i],
                    List.of("--node-id", "n" + i, "--peers", String.join(",", peers), "--snapshot-entries", "8")));
        }
        for (ServerProcess node : nodes) {
            node.launch();
        }
        for (ServerProcess node : nodes) {
            node.awaitReady();
        }
        ServerProcess leader = leader();
        ServerProcess lagging = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(post(leader, "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, b BLOB)\"]"))
                .isEqualTo(200);
        lagging.kill9();

        // About 16 MB of log in 80 entries: more than one Raft log segment, so the leader purges what the follower
        // lacks. (The value travels in the entry; randomblob() would be computed when applied.)
        String value = "v".repeat(200_000);
        for (int i = 0; i < 80; i++) {
            assertThat(post(leader, "[[\"INSERT INTO t(b) VALUES(?)\", \"" + i + value + "\"]]")).isEqualTo(200);
        }
        JsonNode leaderSum = get(leader, "/db/checksum");

        lagging.start();
        JsonNode laggingSum = null;
        for (int attempt = 0; attempt < 600; attempt++) {
            laggingSum = get(lagging, "/db/checksum");
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
    }

    private ServerProcess leader() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (ServerProcess node : nodes) {
                JsonNode status = get(node, "/status");
                if (status != null && "Leader".equals(status.path("store").path("raft").path("state").asText())) {
                    return node;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader");
    }

    private int post(ServerProcess node, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/db/execute"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body().contains("\"error\"") ? -1 : response.statusCode();
    }

    private JsonNode get(ServerProcess node, String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}
