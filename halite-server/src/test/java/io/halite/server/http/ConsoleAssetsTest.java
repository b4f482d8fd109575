package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.http.ApiTestServer.Reply;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web console's files as a node serves them: content types, caching and security headers, and nothing but the
 * listed files (no traversal out of {@code /console}, no listing). Also the request counters {@code /status}
 * gives the console's activity charts.
 */
class ConsoleAssetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ApiTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ApiTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void filesAreServedWithTheirTypesAndAPolicyThatAllowsOnlyThisOrigin() throws Exception {
        record Expected(String path, String type, String contains) {}
        for (Expected e : List.of(
                new Expected("/console/", "text/html; charset=utf-8", "<script src=\"console.js\" defer></script>"),
                new Expected("/console/index.html", "text/html; charset=utf-8", "<title>Halite console</title>"),
                new Expected("/console/console.js", "text/javascript; charset=utf-8", "'use strict';"),
                new Expected("/console/console.css", "text/css; charset=utf-8", ":root {"),
                new Expected("/console/icon.svg", "image/svg+xml", "<svg"))) {
            Reply r = server.get(e.path());
            assertThat(r.status()).as(e.path()).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(e.path()).isEqualTo(e.type());
            assertThat(r.body()).as(e.path()).contains(e.contains());
            assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(r.header("ETag")).matches("\"[0-9a-f]{24}\"");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.header("Content-Security-Policy")).isEqualTo("default-src 'none'; script-src 'self'; "
                    + "style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                    + "frame-ancestors 'none'");
        }
    }

    @Test
    void thePageHasNoInlineScriptAndFetchesNothingFromElsewhere() throws Exception {
        String page = server.get("/console/").body();
        assertThat(page).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("on" + "click=")
                .doesNotContain("http://").doesNotContain("https://").doesNotContain("//cdn");
        String script = server.get("/console/console.js").body();
        assertThat(script).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML")
                .doesNotContain("document.write").doesNotContain("eval(");
    }

    @Test
    void anUnchangedFileIsAnsweredWith304() throws Exception {
        String etag = server.get("/console/console.js").header("ETag");
        String answer = raw("GET /console/console.js HTTP/1.1\r\nIf-None-Match: " + etag);
        assertThat(answer).startsWith("HTTP/1.1 304 ").endsWith("\r\n\r\n");
        assertThat(raw("GET /console/console.js HTTP/1.1\r\nIf-None-Match: \"other\"")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void theBarePathRedirectsToTheDirectorySoRelativeNamesResolve() throws Exception {
        String answer = raw("GET /console HTTP/1.1");
        assertThat(answer).startsWith("HTTP/1.1 301 ").containsIgnoringCase("\r\nLocation: /console/\r\n");
    }

    @Test
    void nothingOutsideTheListedFilesCanBeReached() throws Exception {
        for (String path : List.of("/console/../../../etc/passwd", "/console/%2e%2e/%2e%2e/etc/passwd",
                "/console/..%2f..%2fetc%2fpasswd", "/console/%2e%2e%2fpom.xml", "/console/..\\..\\etc\\passwd",
                "/console/io/halite/server/console/console.js", "/console/logback.xml", "/console/../logback.xml",
                "/console//etc/passwd", "/console/console.js%00.html", "/console/nope.js")) {
            String answer = raw("GET " + path + " HTTP/1.1");
            assertThat(answer).as(path).matches("(?s)HTTP/1.1 40[04] .*").doesNotContain("root:")
                    .doesNotContain("<configuration");
        }
        // A directory is not listed: its name alone is the page, and nothing else under it exists.
        assertThat(server.get("/console/").body()).contains("<title>Halite console</title>");
        Reply unknown = server.get("/console/assets/");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"no such console file: /console/assets/\"}");
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        Reply post = server.post("/console/", "text/plain", "x");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
    }

    @Test
    void statusCountsReadsAndWritesWithTheirLatencies() throws Exception {
        JsonNode before = JSON.readTree(server.get("/status").body()).at("/http/requests");
        server.postJson("/db/execute", "[\"CREATE TABLE IF NOT EXISTS counted (v)\"]");
        server.postJson("/db/execute", "[[\"INSERT INTO counted VALUES(?)\", 1]]");
        server.get("/db/query?q=SELECT+1");
        server.postJson("/db/request", "[\"SELECT 2\"]");
        server.get("/console/console.js"); // the console's own files are not requests to the database
        JsonNode after = JSON.readTree(server.get("/status").body()).at("/http/requests");

        assertThat(after.get("latency_bounds_ms")).hasSize(RequestStats.BOUNDS_MS.length);
        assertThat(after.at("/writes/count").asLong() - before.at("/writes/count").asLong()).isEqualTo(2);
        assertThat(after.at("/reads/count").asLong() - before.at("/reads/count").asLong()).isEqualTo(2);
        for (String kind : List.of("reads", "writes")) {
            JsonNode counts = after.at("/" + kind + "/latency_counts");
            assertThat(counts).hasSize(RequestStats.BOUNDS_MS.length + 1);
            long sum = 0;
            for (JsonNode c : counts) {
                sum += c.asLong();
            }
            assertThat(sum).isEqualTo(after.at("/" + kind + "/count").asLong());
        }
    }

    /** Sends one request line as written (no client normalizes it) and returns the whole answer. */
    private static String raw(String requestLine) throws Exception {
        URI base = URI.create(server.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: " + base.getAuthority() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            try (InputStream in = socket.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }
    }
}
