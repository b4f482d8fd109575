package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.server.http.ApiTestServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database image larger than one log entry is shipped in several chunks and swapped in whole, with its content
 * intact, and the node keeps serving writes on top of it.
 */
class LargeLoadTest {
    @TempDir
    Path dir;

    @Test
    void imageOfSeveralChunksIsLoadedWhole() throws Exception {
        Path image = dir.resolve("big.sqlite");
        int rows = 14_000;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image)) {
            c.setAutoCommit(false);
            c.createStatement().execute("CREATE TABLE big(id INTEGER PRIMARY KEY, payload TEXT)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO big(payload) VALUES(?)")) {
                for (int i = 0; i < rows; i++) {
                    insert.setString(1, i + ":" + "p".repeat(1000));
                    insert.executeUpdate();
                }
            }
            c.commit();
        }
        assertThat(Files.size(image)).as("larger than three 4 MB load chunks").isGreaterThan(12L << 20);

        try (ApiTestServer server = ApiTestServer.start()) {
            server.postJson("/db/execute", "[\"CREATE TABLE old(x)\", \"INSERT INTO old VALUES(1)\"]");
            Reply loaded = server.post("/db/load", "application/octet-stream", Files.readAllBytes(image));
            assertThat(loaded.status()).isEqualTo(200);
            assertThat(loaded.body()).isEqualTo("{\"results\":[]}");

            assertThat(server.get("/db/query?q=SELECT+count(*),+max(id),+sum(length(payload))+FROM+big").body())
                    .isEqualTo("{\"results\":[{\"columns\":[\"count(*)\",\"max(id)\",\"sum(length(payload))\"],"
                            + "\"types\":[\"integer\",\"integer\",\"integer\"],\"values\":[[" + rows + "," + rows + ","
                            + sumOfLengths(rows) + "]]}]}");
            assertThat(server.get("/db/query?q=SELECT+*+FROM+old").body())
                    .as("the old content is gone: the image replaced the database")
                    .contains("no such table: old");
            assertThat(server.postJson("/db/execute", "[\"INSERT INTO big(payload) VALUES('after')\"]").body())
                    .isEqualTo("{\"results\":[{\"last_insert_id\":" + (rows + 1) + ",\"rows_affected\":1}]}");
        }
    }

    private static long sumOfLengths(int rows) {
        long sum = 0;
        for (int i = 0; i < rows; i++) {
            sum += (i + ":").length() + 1000;
        }
        return sum;
    }
}
