package io.halite.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A cluster of `halite serve` processes on loopback, bootstrapped with {@code --peers}, for tests that kill and
 * restart members. Node i has id {@code n<i>}.
 */
final class ProcessCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ServerProcess> nodes = new ArrayList<>();
    private final HttpClient http;
    /** How this harness reaches nodes serving HTTPS, or null for plain HTTP. */
    private final javax.net.ssl.SSLContext tls;

    private ProcessCluster(javax.net.ssl.SSLContext tls) {
        this.tls = tls;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        this.http = (tls == null ? builder : builder.sslContext(tls)).build();
    }

    /** Starts {@code size} members on loopback (with {@code extraArgs} each) and waits until every one is ready. */
    static ProcessCluster start(Path dir, int size, String... extraArgs) throws Exception {
        return start(dir, size, java.util.Map.of(), extraArgs);
    }

    /** {@link #start(Path, int, String...)} with {@code environment} added to every member's. */
    static ProcessCluster start(Path dir, int size, java.util.Map<String, String> environment, String... extraArgs)
            throws Exception {
        return startOnLoopback(dir, size, null, environment, extraArgs);
    }

    /**
     * {@link #start(Path, int, String...)} for members serving HTTPS ({@code extraArgs} give the certificates),
     * reached by this harness with {@code client} (null: plain HTTP).
     */
    static ProcessCluster startTls(Path dir, int size, javax.net.ssl.SSLContext client, String... extraArgs)
            throws Exception {
        return startTls(dir, size, client, java.util.Map.of(), extraArgs);
    }

    /** {@link #startTls(Path, int, javax.net.ssl.SSLContext, String...)} with {@code environment} added. */
    static ProcessCluster startTls(Path dir, int size, javax.net.ssl.SSLContext client,
                                   java.util.Map<String, String> environment, String... extraArgs) throws Exception {
        return startOnLoopback(dir, size, client, environment, extraArgs);
    }

    private static ProcessCluster startOnLoopback(Path dir, int size, javax.net.ssl.SSLContext client,
                                                  java.util.Map<String, String> environment, String... extraArgs)
            throws Exception {
        int[] ports = new int[2 * size];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = ServerProcess.freePort();
        }
        return start(dir, size, client, i -> "127.0.0.1", i -> List.of(), i -> ports[2 * i], i -> ports[2 * i + 1],
                environment, extraArgs);
    }

    /**
     * {@link #start(Path, int, String...)} on given ports, member i on {@code ports[2i]} (HTTP) and
     * {@code ports[2i + 1]} (Raft): two clusters started one after the other on the same ports have the same
     * members, as a recreated StatefulSet does.
     */
    static ProcessCluster startOnPorts(Path dir, int[] ports, String... extraArgs) throws Exception {
        return start(dir, ports.length / 2, null, i -> "127.0.0.1", i -> List.of(), i -> ports[2 * i],
                i -> ports[2 * i + 1], java.util.Map.of(), extraArgs);
    }

    /** Starts member i in network namespace i of {@code net}, on its own address (ports 4001 and 4002). */
    static ProcessCluster startIn(NetworkNamespaces net, Path dir, int size, String... extraArgs) throws Exception {
        return start(dir, size, null, net::address, net::inside, i -> 4001, i -> 4002, java.util.Map.of(), extraArgs);
    }

    private static ProcessCluster start(Path dir, int size, javax.net.ssl.SSLContext tls, IntFunction<String> host,
                                        IntFunction<List<String>> prefix, IntUnaryOperator httpPort,
                                        IntUnaryOperator raftPort, java.util.Map<String, String> environment,
                                        String... extraArgs) throws Exception {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            peers.add("n" + i + "@" + host.apply(i) + ":" + raftPort.applyAsInt(i));
        }
        List<ServerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<String> args = new ArrayList<>(List.of("--node-id", "n" + i, "--peers", String.join(",", peers)));
            args.addAll(List.of(extraArgs));
            ServerProcess node = new ServerProcess(dir.resolve("n" + i), dir.resolve("logs-n" + i), host.apply(i),
                    httpPort.applyAsInt(i), raftPort.applyAsInt(i), prefix.apply(i), args).environment(environment);
            nodes.add(tls == null ? node : node.tls(tls));
        }
        return launch(tls, nodes);
    }

    /** Starts {@code nodes}, configured by the caller (e.g. to find each other), and waits until each is ready. */
    static ProcessCluster launch(List<ServerProcess> nodes) throws Exception {
        return launch(null, nodes);
    }

    private static ProcessCluster launch(javax.net.ssl.SSLContext tls, List<ServerProcess> nodes) throws Exception {
        ProcessCluster cluster = new ProcessCluster(tls);
        cluster.nodes.addAll(nodes);
        try {
            // A member is ready only once a majority runs: start them all, then wait for each.
            for (ServerProcess node : cluster.nodes) {
                node.launch();
            }
            for (ServerProcess node : cluster.nodes) {
                node.awaitReady();
            }
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts node {@code n<size>} with {@code --join} through {@code via} (and {@code extraArgs}), waits until it
     * is ready (added and caught up), and adds it to {@link #nodes()}.
     */
    ServerProcess join(Path dir, ServerProcess via, String... extraArgs) throws Exception {
        return joinWithHeap(dir, via, "256m", extraArgs);
    }

    /** {@link #join(Path, ServerProcess, String...)} with the new node's JVM limited to {@code maxHeap}. */
    ServerProcess joinWithHeap(Path dir, ServerProcess via, String maxHeap, String... extraArgs) throws Exception {
        return join(dir, via, maxHeap, java.util.Map.of(), extraArgs);
    }

    /** {@link #join(Path, ServerProcess, String...)} with a heap limit and {@code environment} for the new node. */
    ServerProcess join(Path dir, ServerProcess via, String maxHeap, java.util.Map<String, String> environment,
                       String... extraArgs) throws Exception {
        String id = "n" + nodes.size();
        List<String> args = new ArrayList<>(List.of("--node-id", id, "--join", via.baseUrl()));
        args.addAll(List.of(extraArgs));
        ServerProcess node = new ServerProcess(dir.resolve(id), dir.resolve("logs-" + id), ServerProcess.freePort(),
                ServerProcess.freePort(), args).heap(maxHeap).environment(environment);
        if (tls != null) {
            node.tls(tls);
        }
        nodes.add(node);
        node.start();
        return node;
    }

    List<ServerProcess> nodes() {
        return nodes;
    }

    /** The member that reports itself leader (waits up to 10 s for one). */
    ServerProcess leader() throws InterruptedException {
        return leaderAmong(nodes, Duration.ofSeconds(10));
    }

    /** The one of {@code candidates} that reports itself leader, waiting up to {@code within} for one. */
    ServerProcess leaderAmong(List<ServerProcess> candidates, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        do {
            for (ServerProcess node : candidates) {
                JsonNode status = get(node, "/status");
                if (status != null && "Leader".equals(status.path("store").path("raft").path("state").asText())) {
                    return node;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no leader among " + candidates.size() + " nodes within " + within.toSeconds() + " s");
    }

    /**
     * The node's content checksum once it has applied at least {@code index} (waits up to 30 s). Replicas are
     * compared by content, not by applied index: the entry that founds the cluster identity (an empty batch, see
     * docs/design.md) may land after {@code index} on some nodes before others, changing nothing.
     */
    String checksumOnceApplied(ServerProcess node, long index) throws InterruptedException {
        JsonNode last = null;
        for (int attempt = 0; attempt < 300; attempt++) {
            last = get(node, "/db/checksum");
            if (last != null && last.path("applied_index").asLong() >= index) {
                return last.path("checksum").asText();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(node.baseUrl() + " did not apply index " + index + " within 30 s: " + last);
    }

    /** POST a JSON body; the parsed answer if it was 200, else null (refused, reset by a kill, timed out). */
    JsonNode post(ServerProcess node, String pathAndQuery, String body) {
        return send(HttpRequest.newBuilder(URI.create(node.baseUrl() + pathAndQuery))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** GET; the parsed answer if it was 200, else null. */
    JsonNode get(ServerProcess node, String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(node.baseUrl() + pathAndQuery)).GET());
    }

    /** The raw answer, for tests that look at status codes and headers. */
    HttpResponse<String> raw(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Any method, with a JSON body or none, answered whatever its status. */
    HttpResponse<String> send(ServerProcess node, String method, String path, String body) throws Exception {
        return raw(HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ServerProcess node : nodes) {
            node.close();
        }
    }
}
