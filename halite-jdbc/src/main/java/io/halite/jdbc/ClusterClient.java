package io.halite.jdbc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's view of the cluster: which host it talks to, failover to the next host in the URL, redirects,
 * and the requests of the HTTP API. Not thread-safe; a connection is used by one thread at a time.
 *
 * <p>Retries follow what is safe: a request that never reached a node (connection refused, connect timeout) may go
 * to the next host whatever it is; a request that may have reached one (reset, EOF, response timeout) or was
 * answered 503 is retried only if it is a read, since a write's outcome is then unknown.
 */
final class ClusterClient {
    /** SQLState for "the request never reached a node": nothing happened. */
    static final String NOT_SENT = "08001";
    /** SQLState for "the request may have reached a node": a write may or may not have happened. */
    static final String OUTCOME_UNKNOWN = "08006";

    private static final ConcurrentMap<String, Cluster> CLUSTERS = new ConcurrentHashMap<>();
    private static final int MAX_REDIRECTS = 5;
    private static final long MAX_BACKOFF_MILLIS = 500;
    /**
     * The HTTP timeout is the server's {@code timeout} plus this, so that the server's own timeout answer (which
     * says what became of the request) arrives before the client gives up on it.
     */
    private static final Duration SERVER_ANSWER_GRACE = Duration.ofSeconds(2);

    /** What this JVM knows about one cluster, shared by all its connections. */
    private static final class Cluster {
        /** The highest log index seen from a write or commit: reads ask for it with {@code min_index}. */
        final AtomicLong raftIndex = new AtomicLong();
        /**
         * Whether the servers accept {@code error_codes}. Servers before it refuse the flag (400, naming it), so
         * the driver drops it once refused and reports vendor code 0.
         */
        volatile boolean errorCodes = true;
    }

    /** How a request may be retried on another host. */
    enum Retry {
        /** A read: retried on the next host after any connection failure or a 503. */
        READ,
        /** A write: retried on the next host only if it was never sent. */
        WRITE,
        /** A transaction's request: only the transaction's host holds it, so never retried elsewhere. */
        PINNED
    }

    /** A server transaction, on the host that began it. */
    record Tx(String id, String host) {}

    private record Reply(int status, byte[] body, String host) {}

    private final HttpClient http;
    private final DriverOptions options;
    private final Cluster cluster;
    private String currentHost;

    ClusterClient(HttpClient http, DriverOptions options) {
        this.http = http;
        this.options = options;
        this.cluster = CLUSTERS.computeIfAbsent(options.clusterKey(), k -> new Cluster());
        this.currentHost = options.hosts().get(0);
    }

    /** The HTTP client a driver or data source shares among its connections, so TCP connections are reused. */
    static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String currentHost() {
        return currentHost;
    }

    /** Finds the first host in the URL's order that answers at all (leader or not). */
    void connect() throws SQLException {
        Reply reply = send("GET", null, "/readyz?noleader", null, Retry.READ, options.timeout());
        if (reply.status != 200) {
            throw requestError(reply);
        }
    }

    /** Whether a node answers and knows a leader, within {@code timeout}; inside a transaction, its host. */
    boolean ready(Tx tx, Duration timeout) {
        try {
            Reply reply = send("GET", tx == null ? null : tx.host, "/readyz", null,
                    tx == null ? Retry.READ : Retry.PINNED, timeout);
            return reply.status == 200;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Runs statements outside a transaction; {@code atomic} runs them all or none. */
    Wire.Response execute(List<Wire.Sql> statements, boolean atomic, boolean read, Duration timeout)
            throws SQLException {
        while (true) {
            boolean errorCodes = cluster.errorCodes;
            StringBuilder query = new StringBuilder("/db/request?blob_array&raft_index&timeout=")
                    .append(DriverOptions.formatDuration(timeout)).append("&level=").append(options.level());
            appendFlags(query, atomic, errorCodes);
            long minIndex = cluster.raftIndex.get();
            if (options.readYourWrites() && minIndex > 0) {
                query.append("&min_index=").append(minIndex);
            }
            Reply reply = send("POST", null, query.toString(), Wire.statements(statements),
                    read ? Retry.READ : Retry.WRITE, timeout);
            if (refusedErrorCodes(reply, errorCodes)) {
                continue;
            }
            if (reply.status != 200) {
                throw requestError(reply);
            }
            Wire.Response response = Wire.response(reply.body);
            observe(response.raftIndex());
            return response;
        }
    }

    /** Begins a server transaction on the leader (following a follower's redirect to it). */
    Tx begin() throws SQLException {
        StringBuilder query = new StringBuilder("/db/tx?timeout=").append(DriverOptions.formatDuration(options.timeout()))
                .append("&idle_timeout=").append(DriverOptions.formatDuration(options.txIdleTimeout()));
        long minIndex = cluster.raftIndex.get();
        if (options.readYourWrites() && minIndex > 0) {
            query.append("&min_index=").append(minIndex);
        }
        Reply reply = send("POST", null, query.toString(), null, Retry.WRITE, options.timeout());
        if (reply.status != 200) {
            throw requestError(reply);
        }
        Map<String, Object> fields = Wire.fields(reply.body);
        if (!(fields.get("tx") instanceof String id) || id.isEmpty()) {
            throw new SQLException("the server began a transaction without naming it: "
                    + new String(reply.body, java.nio.charset.StandardCharsets.UTF_8), "08000");
        }
        observe(fields.get("raft_index") instanceof Long index ? index : 0);
        return new Tx(id, reply.host);
    }

    /**
     * Runs statements inside a transaction. If the transaction is gone (the server does not know it, aborted it,
     * or its host is unreachable), throws {@link SQLTransactionRollbackException}: nothing of it will commit.
     */
    Wire.Response execute(Tx tx, List<Wire.Sql> statements, boolean atomic, Duration timeout) throws SQLException {
        while (true) {
            boolean errorCodes = cluster.errorCodes;
            StringBuilder query = new StringBuilder("/db/request?tx=").append(tx.id).append("&blob_array");
            appendFlags(query, atomic, errorCodes);
            Reply reply;
            try {
                reply = send("POST", tx.host, query.toString(), Wire.statements(statements), Retry.PINNED, timeout);
            } catch (SQLTransientConnectionException e) {
                throw new SQLTransactionRollbackException("the transaction is lost: its host " + tx.host
                        + " cannot be reached (" + e.getMessage() + ")", "40001", e);
            }
            if (refusedErrorCodes(reply, errorCodes)) {
                continue;
            }
            if (reply.status == 404 || reply.status == 409) {
                throw transactionGone(reply);
            }
            if (reply.status != 200) {
                throw requestError(reply);
            }
            return Wire.response(reply.body);
        }
    }

    /** Commits; the transaction is over whatever happens. */
    void commit(Tx tx) throws SQLException {
        Reply reply;
        try {
            reply = send("POST", tx.host, "/db/tx/" + tx.id + "/commit", null, Retry.PINNED, options.timeout());
        } catch (SQLTransientConnectionException e) {
            if (NOT_SENT.equals(e.getSQLState())) {
                throw new SQLTransactionRollbackException("the transaction is lost: its host " + tx.host
                        + " cannot be reached, so it did not commit (" + e.getMessage() + ")", "40001", e);
            }
            throw new SQLTransientConnectionException("the connection to " + tx.host + " failed during COMMIT: the "
                    + "transaction may or may not have committed (" + e.getMessage() + ")", OUTCOME_UNKNOWN, e);
        }
        if (reply.status == 404 || reply.status == 409) {
            throw transactionGone(reply);
        }
        if (reply.status == 503) {
            throw new SQLTransientConnectionException("COMMIT answered 503 (" + message(reply)
                    + "): the transaction may or may not have committed", OUTCOME_UNKNOWN);
        }
        if (reply.status != 200) {
            throw requestError(reply);
        }
        observe(Wire.fields(reply.body).get("raft_index") instanceof Long index ? index : 0);
    }

    /**
     * Rolls back. A transaction the server no longer knows, or whose host cannot be reached, is not rolled back
     * here but cannot commit either: the server ends it when it stays idle past {@code tx_idle_timeout}.
     */
    void rollback(Tx tx) throws SQLException {
        Reply reply;
        try {
            reply = send("POST", tx.host, "/db/tx/" + tx.id + "/rollback", null, Retry.PINNED, options.timeout());
        } catch (SQLTransientConnectionException e) {
            return;
        }
        if (reply.status != 200 && reply.status != 404) {
            throw requestError(reply);
        }
    }

    private static void appendFlags(StringBuilder query, boolean atomic, boolean errorCodes) {
        if (errorCodes) {
            query.append("&error_codes");
        }
        if (atomic) {
            query.append("&transaction");
        }
    }

    private boolean refusedErrorCodes(Reply reply, boolean sent) {
        if (sent && reply.status == 400 && message(reply).contains("'error_codes'")) {
            cluster.errorCodes = false;
            return true;
        }
        return false;
    }

    private void observe(long raftIndex) {
        cluster.raftIndex.accumulateAndGet(raftIndex, Math::max);
    }

    /**
     * Sends one request, failing over and following redirects as {@code retry} allows, until {@code timeout}.
     *
     * @param pinnedHost the host to use, or null for this connection's current host (which then follows failover
     *                   and redirects)
     * @return the first answer that is neither a redirect nor a retried 503
     * @throws SQLTransientConnectionException with SQLState {@link #NOT_SENT} or {@link #OUTCOME_UNKNOWN}
     */
    private Reply send(String method, String pinnedHost, String pathAndQuery, byte[] body, Retry retry,
                       Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String host = pinnedHost != null ? pinnedHost : currentHost;
        int failures = 0;
        int redirects = 0;
        String lastFailure = null;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SQLTransientConnectionException("no Halite node answered within " + timeout.toMillis()
                        + " ms (hosts " + String.join(", ", options.hosts()) + "); last: " + lastFailure, NOT_SENT);
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + pathAndQuery))
                    .timeout(Duration.ofNanos(remaining).plus(SERVER_ANSWER_GRACE))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (ConnectException | HttpConnectTimeoutException e) {
                lastFailure = host + ": " + describe(e);
                if (retry == Retry.PINNED) {
                    throw new SQLTransientConnectionException("cannot connect to " + lastFailure, NOT_SENT, e);
                }
                host = nextHost(host);
                backoff(++failures, deadline);
                continue;
            } catch (IOException e) {
                lastFailure = host + ": " + describe(e);
                if (retry != Retry.READ) {
                    throw new SQLTransientConnectionException("the connection to " + lastFailure + " failed after "
                            + "the request was sent: its outcome is unknown", OUTCOME_UNKNOWN, e);
                }
                host = nextHost(host);
                backoff(++failures, deadline);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLTransientConnectionException("interrupted while waiting for " + host
                        + (retry == Retry.READ ? "" : "; the request's outcome is unknown"), OUTCOME_UNKNOWN, e);
            }
            int status = response.statusCode();
            if ((status == 301 || status == 307 || status == 308) && retry != Retry.PINNED) {
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null || ++redirects > MAX_REDIRECTS) {
                    throw new SQLException("too many or broken redirects from " + host + " (last Location: "
                            + location + ")", "08001");
                }
                host = URI.create(location).getRawAuthority();
                if (pinnedHost == null) {
                    currentHost = host;
                }
                continue;
            }
            if (status == 503 && retry == Retry.READ) {
                lastFailure = host + ": HTTP 503 " + message(new Reply(status, response.body(), host));
                host = nextHost(host);
                backoff(++failures, deadline);
                continue;
            }
            if (pinnedHost == null) {
                currentHost = host;
            }
            return new Reply(status, response.body(), host);
        }
    }

    /** The host after {@code host} in the URL's list; the first one if {@code host} came from a redirect. */
    private String nextHost(String host) {
        List<String> hosts = options.hosts();
        return hosts.get((hosts.indexOf(host) + 1) % hosts.size());
    }

    /** Waits a little longer after each failure, so that a cluster electing a leader is not flooded. */
    private static void backoff(int failures, long deadline) throws SQLException {
        long millis = Math.min(MAX_BACKOFF_MILLIS, 20L * failures);
        millis = Math.min(millis, Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while retrying", NOT_SENT, e);
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " "
                + e.getMessage();
    }

    private static String message(Reply reply) {
        Object error = Wire.fields(reply.body).get("error");
        return error == null ? "" : error.toString();
    }

    private static SQLException transactionGone(Reply reply) {
        return new SQLTransactionRollbackException("the transaction was rolled back by the server: "
                + message(reply) + " (HTTP " + reply.status + ")", "40001");
    }

    /** A non-200 answer that is not retried: the server's message, with 503 marked as possibly applied. */
    private static SQLException requestError(Reply reply) {
        String text = message(reply) + " (HTTP " + reply.status + " from " + reply.host + ")";
        if (reply.status == 503) {
            return new SQLTransientConnectionException(text, OUTCOME_UNKNOWN);
        }
        return new SQLException(text, reply.status == 413 ? "54000" : "HY000");
    }
}
