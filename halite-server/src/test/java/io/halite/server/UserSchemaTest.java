package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing of Halite's is in the user's schema, on any node or in a downloaded copy: a client that lists every
 * table and drops it (a common test teardown) leaves an empty schema.
 */
class UserSchemaTest {
    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String q(String sql) {
        return URLEncoder.encode(sql, StandardCharsets.UTF_8);
    }

    @Test
    void droppingEveryTableAClientCanListLeavesAnEmptySchemaOnEveryNodeAndInACopy() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        List<ServerProcess> nodes = cluster.nodes();
        ServerProcess leader = cluster.leader();
        ServerProcess follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(cluster.post(follower, "/db/execute", "[\"CREATE TABLE a(id INTEGER PRIMARY KEY, v)\", "
                + "\"CREATE TABLE b(id INTEGER PRIMARY KEY, a_id REFERENCES a(id))\", "
                + "\"CREATE INDEX b_a ON b(a_id)\", \"CREATE VIEW ab AS SELECT * FROM a JOIN b ON a.id = b.a_id\", "
                + "\"INSERT INTO a(v) VALUES (1)\", \"INSERT INTO b(a_id) VALUES (1)\"]")).isNotNull();

        JsonNode listed = cluster.get(leader, "/db/query?q=" + q("SELECT type, name FROM sqlite_master WHERE "
                + "type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"));
        List<String> drops = new ArrayList<>();
        for (JsonNode row : listed.path("results").path(0).path("values")) {
            drops.add("\"DROP " + row.get(0).asText().toUpperCase() + " " + row.get(1).asText() + "\"");
        }
        assertThat(drops).containsExactly("\"DROP TABLE a\"", "\"DROP VIEW ab\"", "\"DROP TABLE b\"");
        JsonNode dropped = cluster.post(follower, "/db/execute?raft_index", "[" + String.join(",", drops) + "]");
        assertThat(dropped.path("results").toString()).doesNotContain("error");
        long index = dropped.path("raft_index").asLong();

        for (ServerProcess node : nodes) {
            JsonNode rows = cluster.get(node, "/db/query?level=none&min_index=" + index + "&q="
                    + q("SELECT name FROM sqlite_master"));
            assertThat(rows.path("results").toString()).as("schema on %s", node.baseUrl())
                    .isEqualTo("[{\"columns\":[\"name\"],\"types\":[\"text\"]}]");
        }

        Path copy = dir.resolve("copy.sqlite");
        HttpResponse<Path> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(follower.baseUrl() + "/db/backup")).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofFile(copy));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValueAsLong("X-Halite-Applied-Index").orElse(0)).isGreaterThanOrEqualTo(index);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
             ResultSet rs = c.createStatement().executeQuery("SELECT group_concat(name), "
                     + "(SELECT * FROM pragma_application_id) FROM sqlite_master")) {
            rs.next();
            assertThat(rs.getString(1)).as("tables in the copy").isNull();
            assertThat(rs.getLong(2)).as("the copy's application_id").isZero();
        }

        HttpResponse<String> refused = cluster.send(leader, "POST", "/db/execute", "[\"PRAGMA application_id = 1\"]");
        assertThat(refused.body()).isEqualTo("{\"results\":[{\"error\":\"setting PRAGMA application_id is not allowed: "
                + "it is managed by Halite on every replica\"}]}");
    }
}
