package io.halite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.jdbc.HttpConnection;
import io.halite.server.auth.Login;
import io.halite.server.tls.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Closed-loop load against a Halite node, over its HTTP API or through the JDBC driver. Each client performs one
 * operation, waits for the answer, and performs the next; latency is measured per operation after the warm-up. An
 * operation counts as an error if the HTTP status is not 200 or any statement result carries an error (over JDBC:
 * if it throws).
 */
public final class Benchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One measured configuration, printed in the shared RESULT format. */
    public record Result(String system, String workload, int nodes, int clients, double opsPerSecond,
                         double p50Millis, double p99Millis, long errors) {
        public String line() {
            return String.format(Locale.ROOT,
                    "RESULT system=%s workload=%s nodes=%d clients=%d ops_per_s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d",
                    system, workload, nodes, clients, opsPerSecond, p50Millis, p99Millis, errors);
        }
    }

    /** How the load reaches the node. */
    public enum ClientKind { HTTP, JDBC }

    /** One client's way of performing operations. */
    interface Session extends AutoCloseable {
        /** Performs one operation; returns whether it succeeded. */
        boolean perform(Workload workload, SplittableRandom random);

        @Override
        void close();
    }

    private final URI base;
    private final String readLevel;
    private final ClientKind clientKind;
    private final Login login;
    private final ClientTls tls;
    private final HttpClient http;
    private boolean preloaded;

    /**
     * @param login sent with every request, or null for a node without authentication
     * @param tls   for an https:// {@code base}, else null
     */
    public Benchmark(URI base, String readLevel, ClientKind clientKind, Login login, ClientTls tls) {
        this.base = base;
        this.readLevel = readLevel;
        this.clientKind = clientKind;
        this.login = login;
        this.tls = tls;
        // Only for setting up (creating the table, preloading rows); the load itself uses HttpSession or JdbcSession.
        this.http = (tls == null ? HttpClient.newBuilder() : tls.httpClient()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static Duration parseSeconds(String text) {
        try {
            double seconds = Double.parseDouble(text.endsWith("s") ? text.substring(0, text.length() - 1) : text);
            if (seconds > 0) {
                return Duration.ofMillis((long) (seconds * 1000));
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--seconds must be a positive number, not '" + text + "'");
    }

    public Result run(String workloadName, int clients, Duration warmup, Duration measured) throws Exception {
        Workload workload;
        try {
            workload = Workload.valueOf(workloadName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown workload '" + workloadName
                    + "': use kvwrite, kvread, batch100 or tx");
        }
        if (workload == Workload.TX && clientKind != ClientKind.JDBC) {
            throw new IllegalArgumentException("the tx workload runs through JDBC: add --client jdbc");
        }
        prepare(workload);
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long until = measureFrom + measured.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Client>> running = new ArrayList<>();
        try (JdbcSession.Pool jdbc = clientKind == ClientKind.JDBC
                ? new JdbcSession.Pool(base, readLevel, clients, login, tls) : null) {
            for (int i = 0; i < clients; i++) {
                Client client = new Client(new SplittableRandom(System.nanoTime() ^ (31L * i)));
                Session session = jdbc != null ? jdbc.session()
                        : new HttpSession(base, readLevel, login == null ? null : login.authorization(), tls);
                running.add(pool.submit(() -> client.loop(session, workload, measureFrom, until)));
            }
            return collect(workload, clients, measured, running, pool);
        }
    }

    private Result collect(Workload workload, int clients, Duration measured, List<Future<Client>> running,
                           ExecutorService pool) throws Exception {
        long ops = 0, errors = 0;
        long[][] latencies = new long[clients][];
        for (int i = 0; i < clients; i++) {
            Client c = running.get(i).get();
            ops += c.ok;
            errors += c.errors;
            latencies[i] = Arrays.copyOf(c.latencies, c.count);
        }
        pool.shutdown();
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        double seconds = measured.toNanos() / 1e9;
        return new Result(clientKind == ClientKind.JDBC ? "halite-jdbc" : "halite",
                workload.name().toLowerCase(Locale.ROOT), nodes(), clients,
                ops * workload.statementsPerRequest / seconds, percentile(all, 0.50), percentile(all, 0.99),
                errors * workload.statementsPerRequest);
    }

    private static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        return sortedNanos[(int) ((sortedNanos.length - 1) * p)] / 1e6;
    }

    private final class Client {
        final SplittableRandom random;
        long ok;
        long errors;
        long[] latencies = new long[1 << 14];
        int count;

        Client(SplittableRandom random) {
            this.random = random;
        }

        Client loop(Session session, Workload workload, long measureFrom, long until) {
            try (session) {
                while (true) {
                    long start = System.nanoTime();
                    if (start >= until) {
                        return this;
                    }
                    boolean success = session.perform(workload, random);
                    long end = System.nanoTime();
                    if (start < measureFrom || end > until) {
                        continue;
                    }
                    if (!success) {
                        errors++;
                        continue;
                    }
                    ok++;
                    if (count == latencies.length) {
                        latencies = Arrays.copyOf(latencies, count * 2);
                    }
                    latencies[count++] = end - start;
                }
            }
        }
    }

    /**
     * Operations as HTTP requests on one keep-alive connection, the JDBC driver's: general-purpose clients (the
     * JDK's, Jetty's) hand every request between several threads, which on 2 cores cost more CPU than the server
     * under test.
     */
    private static final class HttpSession implements Session {
        private final HttpConnection connection;
        private final String readLevel;

        HttpSession(URI base, String readLevel, String authorization, ClientTls tls) {
            this.connection = new HttpConnection(base.getHost(), base.getPort() > 0 ? base.getPort()
                    : tls == null ? 80 : 443, 5_000, authorization,
                    tls == null ? null : new HttpConnection.Tls(tls.context().getSocketFactory(), tls.verifiesServerName()));
            this.readLevel = readLevel;
        }

        @Override
        public boolean perform(Workload workload, SplittableRandom random) {
            String path = workload == Workload.KVREAD && readLevel != null
                    ? workload.path + "?level=" + readLevel : workload.path;
            try {
                HttpConnection.Response response = connection.send("POST", path,
                        workload.body(random).getBytes(StandardCharsets.UTF_8), 30_000);
                return response.status() == 200
                        && !new String(response.body(), StandardCharsets.UTF_8).contains("\"error\"");
            } catch (IOException e) {
                return false; // the connection opens again for the next request
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private void prepare(Workload workload) throws Exception {
        post("/db/execute", "[\"CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v TEXT)\"]");
        if (!workload.readsPreloaded() || preloaded) {
            return;
        }
        if (holdsPreloadedRows()) {
            preloaded = true; // an earlier run loaded them: loading again would only load the node being measured
            return;
        }
        int perRequest = 500;
        ExecutorService loaders = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int from = 0; from < Workload.PRELOADED_ROWS; from += perRequest) {
            int start = from;
            done.add(loaders.submit(() -> {
                StringBuilder body = new StringBuilder("[");
                for (int i = start; i < Math.min(start + perRequest, Workload.PRELOADED_ROWS); i++) {
                    body.append(i == start ? "" : ",").append(Workload.insert(Workload.preloadedKey(i)));
                }
                post("/db/execute?transaction", body.append(']').toString());
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        loaders.shutdown();
        preloaded = true;
    }

    /** Whether every 1,000th preloaded row is there (rows are only ever added, so the rest is too). */
    private boolean holdsPreloadedRows() throws Exception {
        StringBuilder sql = new StringBuilder("[[\"SELECT count(*) FROM kv WHERE k IN (");
        StringBuilder keys = new StringBuilder();
        int sampled = 0;
        for (int i = 0; i < Workload.PRELOADED_ROWS; i += 1_000, sampled++) {
            sql.append(sampled == 0 ? "?" : ",?");
            keys.append(",\"").append(Workload.preloadedKey(i)).append('"');
        }
        String body = post("/db/query", sql.append(")\"").append(keys).append("]]").toString());
        JsonNode count = JSON.readTree(body).path("results").path(0).path("values").path(0).path(0);
        return count.asInt(-1) == sampled;
    }

    private String post(String path, String body) throws Exception {
        HttpResponse<String> response = http.send(authorized(HttpRequest.newBuilder(base.resolve(path)))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || response.body().contains("\"error\"")) {
            throw new IOException("setup request to " + path + " failed: " + response.statusCode() + " "
                    + response.body());
        }
        return response.body();
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return login == null ? request : request.header("Authorization", login.authorization());
    }

    private int nodes() throws Exception {
        HttpResponse<String> response = http.send(authorized(HttpRequest.newBuilder(base.resolve("/nodes?ver=2")))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /nodes answered " + response.statusCode() + " " + response.body());
        }
        JsonNode nodes = JSON.readTree(response.body()).get("nodes");
        return nodes == null ? 1 : nodes.size();
    }
}
