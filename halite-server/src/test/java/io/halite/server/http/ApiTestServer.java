package io.halite.server.http;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.NodeConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real single Halite node with its HTTP API on 127.0.0.1, for tests. Start it with {@link #start()} (or
 * {@link #start(long)} for a custom body size limit), send requests with {@link #get}/{@link #post}/{@link #send},
 * and {@link #close()} it to stop the node and delete its data directory; closing fails the test if the node stopped
 * on a fatal error while it ran.
 */
public final class ApiTestServer implements AutoCloseable {
    /** The default request body limit, as {@code halite serve} uses. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;

    /** One HTTP response. */
    public record Reply(int status, HttpHeaders headers, byte[] bytes) {
        /** The body as UTF-8 text. */
        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** The first value of a header, or null. */
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body();
        }
    }

    private final Path dataDir;
    private final HaliteNode node;
    private final ServerMetrics metrics = new ServerMetrics();
    private final HttpServer http;
    private final HttpClient client;
    private final String baseUrl;
    private final List<io.halite.core.node.NodeStop> fatalErrors = new CopyOnWriteArrayList<>();

    private ApiTestServer(long maxBodyBytes, int httpPort) throws Exception {
        dataDir = Files.createTempDirectory("halite-api-test-");
        NodeConfig config = NodeConfig.singleNode("node1", dataDir, "127.0.0.1:" + freePort());
        config = new NodeConfig(config.nodeId(), config.dataDir(), config.raftAddress(), config.peers(), false,
                SqliteDatabase.Options.defaults(), config.maxRequestBytes(), config.entryTargetBytes(),
                config.maxInFlight(), Duration.ofMillis(300), config.snapshotEvery(), "http://127.0.0.1:" + httpPort,
                config.raftBindAddress());
        node = HaliteNode.start(config, io.halite.core.node.NodeTls.NONE,
                new MemberCopyFetcher(null, io.halite.server.auth.PeerCredentials.NONE), fatalErrors::add,
                metrics.registry());
        HttpServer server = null;
        try {
            if (!node.awaitReady(Duration.ofSeconds(20))) {
                throw new IllegalStateException("the node elected no leader within 20 s");
            }
            // A new cluster logs the empty batch that founds its identity soon after it is ready: tests that count
            // log indexes start after it.
            for (long deadline = System.nanoTime() + 10_000_000_000L;
                    node.clusterIdentity().isEmpty() && System.nanoTime() < deadline; ) {
                Thread.sleep(20);
            }
            server = new HttpServer("127.0.0.1", httpPort, new RequestMeters(metrics.registry(),
                    new HttpApi(node, maxBodyBytes, "test", null, metrics)));
            server.start();
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
            }
            node.close();
            deleteRecursively(dataDir);
            throw e;
        }
        http = server;
        baseUrl = "http://127.0.0.1:" + http.port();
        client = newClient();
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Starts a node and its API with the default body size limit. */
    public static ApiTestServer start() throws Exception {
        return new ApiTestServer(DEFAULT_MAX_BODY_BYTES, freePort());
    }

    /** Starts a new node, with an empty data directory, and its API on {@code httpPort}: another cluster there. */
    public static ApiTestServer startOnPort(int httpPort) throws Exception {
        return new ApiTestServer(DEFAULT_MAX_BODY_BYTES, httpPort);
    }

    /** Starts a node and its API refusing request bodies above {@code maxBodyBytes}. */
    public static ApiTestServer start(long maxBodyBytes) throws Exception {
        return new ApiTestServer(maxBodyBytes, freePort());
    }

    public String baseUrl() {
        return baseUrl;
    }

    public HaliteNode node() {
        return node;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Reply get(String pathAndQuery) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, null, (byte[]) null);
    }

    public Reply post(String pathAndQuery, String contentType, String body) throws IOException, InterruptedException {
        return send("POST", pathAndQuery, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public Reply post(String pathAndQuery, String contentType, byte[] body) throws IOException, InterruptedException {
        return send("POST", pathAndQuery, contentType, body);
    }

    /** POSTs a JSON body. */
    public Reply postJson(String pathAndQuery, String json) throws IOException, InterruptedException {
        return post(pathAndQuery, "application/json", json);
    }

    /** Sends any method; {@code body} may be null for none. */
    public Reply send(String method, String pathAndQuery, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
        return send(method, pathAndQuery, contentType, publisher);
    }

    /** Sends any method with any body publisher (e.g. one of unknown length, sent chunked). */
    public Reply send(String method, String pathAndQuery, String contentType, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        return send(client, method, pathAndQuery, contentType, body);
    }

    /**
     * Sends on a connection of its own, closed afterwards. For requests the server may answer before reading their
     * body (413): it then closes the connection, perhaps while the client is still sending.
     */
    public Reply sendOnNewConnection(String method, String pathAndQuery, String contentType,
                                     HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        return send(newClient(), method, pathAndQuery, contentType, body);
    }

    private Reply send(HttpClient client, String method, String pathAndQuery, String contentType,
                       HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    /** Stops the node and deletes its data; fails if the node stopped on a fatal error while it ran. */
    @Override
    public void close() throws Exception {
        try {
            http.close();
        } finally {
            try {
                node.close();
            } finally {
                metrics.close();
                deleteRecursively(dataDir);
            }
        }
        if (!fatalErrors.isEmpty()) {
            throw new AssertionError("the node stopped on a fatal error: " + fatalErrors);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
