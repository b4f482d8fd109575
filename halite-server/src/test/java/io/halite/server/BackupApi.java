package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** What the backup tests ask a node over HTTP: a write, its backup status, and waiting for that status. */
final class BackupApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** {@code POST /db/execute?raft_index} of one statement, which must succeed: its log index. */
    long write(ServerProcess node, String sql) throws Exception {
        JsonNode body = JSON.readTree(call(node, "/db/execute?raft_index",
                HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(List.of(sql)))));
        assertThat(body.path("results").path(0).has("error")).as("%s", body).isFalse();
        return body.path("raft_index").asLong();
    }

    /** {@code GET} of a JSON answer that must be 200. */
    JsonNode get(ServerProcess node, String path) throws Exception {
        return JSON.readTree(call(node, path, null));
    }

    JsonNode backupStatus(ServerProcess node) throws Exception {
        return get(node, "/backup/status");
    }

    private String call(ServerProcess node, String path, HttpRequest.BodyPublisher post) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json");
        HttpResponse<String> response = http.send(post == null ? request.GET().build() : request.POST(post).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s%s: %s", node.baseUrl(), path, response.body()).isEqualTo(200);
        return response.body();
    }

    /** Waits (up to 30 s) until the node's backup status shows {@code what}. */
    JsonNode await(ServerProcess node, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode status = backupStatus(node);
        while (!condition.test(status)) {
            assertThat(System.nanoTime()).as("%s: %s within 30 s; last status %s", node.baseUrl(), what, status)
                    .isLessThan(deadline);
            Thread.sleep(100);
            status = backupStatus(node);
        }
        return status;
    }

    /** Waits until the node's backup stored {@code index} and has nothing left to ship. */
    JsonNode awaitStored(ServerProcess node, long index) throws Exception {
        return await(node, s -> s.path("stored_index").asLong() >= index && s.path("lag_entries").asLong() == 0,
                "stored index " + index);
    }
}
