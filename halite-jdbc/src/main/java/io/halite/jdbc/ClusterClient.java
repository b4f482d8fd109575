package io.halite.jdbc;

import java.io.IOException;
import java.net.URI;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One connection's view of the cluster: which host it talks to, failover to the next host in the URL, redirects,
 * and the requests of the HTTP API, each on this connection's own keep-alive socket to that host
 * ({@link HttpConnection}). Not thread-safe; a connection is used by one thread at a time.
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
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    /** What this JVM knows about the cluster at one set of hosts, shared by all its connections. */
    private static final class Cluster {
        /** The highest log index seen from a write or commit: reads ask for it with {@code min_index}. */
        final AtomicLong raftIndex = new AtomicLong();
        /** The identity its nodes report, once one has. */
        private volatile String identity;

        /**
         * Notes the identity a node reported. Another one means another cluster now answers at these hosts (one
         * recreated with empty data directories): the indexes of the old one mean nothing to it, and asking it for
         * them would hold every read until the timeout.
         */
        void reportedBy(String nodeIdentity) {
            if (nodeIdentity == null || nodeIdentity.equals(identity)) {
                return;
            }
            synchronized (this) {
                if (identity != null && !identity.equals(nodeIdentity)) {
                    raftIndex.set(0);
                }
                identity = nodeIdentity;
            }
        }
    }

    /** How a request may be retried on another host. */
    enum Retry {
        /** A read: retried on the next host after any connection failure or a 503. */
        READ,
        /** A write: retried on the next host only if it was never sent. */
        WRITE,
        /**
         * The start of a transaction: retried after a 503 too (no leader yet, the write lock busy), since nothing of
         * a transaction applies before its commit; not after a failure once sent, as it may hold the write lock.
         */
        START,
        /** A transaction's request: only the transaction's host holds it, so never retried elsewhere. */
        PINNED
    }

    /** A server transaction, on the host that began it. */
    record Tx(String id, String host) {}

    private record Reply(int status, byte[] body, String host) {}

    private final DriverOptions options;
    private final Cluster cluster;
    /** One socket per host this connection has talked to. */
    private final Map<String, HttpConnection> sockets = new HashMap<>();
    private String currentHost;

    ClusterClient(DriverOptions options) {
        this.options = options;
        this.cluster = CLUSTERS.computeIfAbsent(options.clusterKey(), k -> new Cluster());
        this.currentHost = options.hosts().get(0);
    }

    String currentHost() {
        return currentHost;
    }

    /**
     * Finds the first host in the URL's order that answers at all (leader or not). A 403 counts as an answer: the
     * credentials are right, the user just lacks the {@code ready} permission; a 401 means they are wrong.
     */
    void connect() throws SQLException {
        Reply reply = send("GET", null, "/readyz?noleader", null, Retry.READ, options.timeout());
        if (reply.status == 401) {
            throw new SQLInvalidAuthorizationSpecException("the node refused the credentials: " + message(reply)
                    + (options.authorization() == null ? "; give the user and password options" : ""), "28000");
        }
        if (reply.status != 200 && reply.status != 403) {
            throw requestError(reply);
        }
    }

    /** Whether a node answers and knows a leader, within {@code timeout}; inside a transaction, its host. */
    boolean ready(Tx tx, Duration timeout) {
        try {
            Reply reply = send("GET", tx == null ? null : tx.host, "/readyz", null,
                    tx == null ? Retry.READ : Retry.PINNED, timeout);
            // 403: the user lacks the ready permission; the node answered, which is all that can be known then.
            return reply.status == 200 || reply.status == 403;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Runs statements outside a transaction; {@code atomic} runs them all or none. */
    Wire.Response execute(List<Wire.Sql> statements, boolean atomic, boolean read, Duration timeout)
            throws SQLException {
        StringBuilder query = new StringBuilder("/db/request?blob_array&error_codes&stored_values&raft_index&timeout=")
                .append(DriverOptions.formatDuration(timeout)).append("&level=").append(options.level());
        if (atomic) {
            query.append("&transaction");
        }
        Reply reply = send("POST", null, withMinIndex(query.toString()), Wire.statements(statements),
                read ? Retry.READ : Retry.WRITE, timeout);
        if (reply.status != 200) {
            throw requestError(reply);
        }
        Wire.Response response = Wire.response(reply.body);
        observe(response.raftIndex());
        return response;
    }

    /** A transaction just begun, with the results of the statements that began it. */
    record Begun(Tx tx, Wire.Response response) {}

    /**
     * Begins a server transaction on the leader (following a follower's redirect to it) and runs the first
     * statements in it, in the same request: one round trip less while the transaction holds the write lock.
     */
    Begun begin(List<Wire.Sql> statements, boolean atomic) throws SQLException {
        StringBuilder query = new StringBuilder("/db/tx?blob_array&error_codes&stored_values&timeout=")
                .append(DriverOptions.formatDuration(options.timeout()))
                .append("&idle_timeout=").append(DriverOptions.formatDuration(options.txIdleTimeout()));
        if (atomic) {
            query.append("&transaction");
        }
        Reply reply;
        try {
            reply = send("POST", null, withMinIndex(query.toString()), Wire.statements(statements), Retry.START,
                    options.timeout());
        } catch (SQLTransientConnectionException e) {
            if (NOT_SENT.equals(e.getSQLState())) {
                throw e;
            }
            // The transaction may have begun; if so, the server ends it after its idle timeout.
            throw new SQLTransactionRollbackException("the transaction could not begin: " + e.getMessage(), "40001", e);
        }
        if (reply.status == 409) {
            throw transactionGone(reply); // its first statements made SQLite roll it back
        }
        if (reply.status != 200) {
            throw requestError(reply);
        }
        Wire.Response response = Wire.response(reply.body);
        Map<String, Object> fields = Wire.fields(reply.body);
        if (!(fields.get("tx") instanceof String id) || id.isEmpty()) {
            throw new SQLException("the server began a transaction without naming it: "
                    + new String(reply.body, java.nio.charset.StandardCharsets.UTF_8), "08000");
        }
        observe(fields.get("raft_index") instanceof Long index ? index : 0);
        return new Begun(new Tx(id, reply.host), response);
    }

    /**
     * Runs statements inside a transaction. If the transaction is gone (the server does not know it, aborted it,
     * or its host is unreachable), throws {@link SQLTransactionRollbackException}: nothing of it will commit.
     */
    Wire.Response execute(Tx tx, List<Wire.Sql> statements, boolean atomic, Duration timeout) throws SQLException {
        StringBuilder query = new StringBuilder("/db/request?tx=").append(tx.id).append("&blob_array&error_codes&stored_values");
        if (atomic) {
            query.append("&transaction");
        }
        Reply reply;
        try {
            reply = send("POST", tx.host, query.toString(), Wire.statements(statements), Retry.PINNED, timeout);
        } catch (SQLTransientConnectionException e) {
            throw new SQLTransactionRollbackException("the transaction is lost: its host " + tx.host
                    + " cannot be reached (" + e.getMessage() + ")", "40001", e);
        }
        if (reply.status == 404 || reply.status == 409) {
            throw transactionGone(reply);
        }
        if (reply.status != 200) {
            throw requestError(reply);
        }
        return Wire.response(reply.body);
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

    /**
     * {@code query} with the index that reads of one's own writes must reach, as of each attempt: an answer from
     * a cluster recreated at these hosts resets it, and the retry must not ask the new cluster for the old index.
     */
    private Supplier<String> withMinIndex(String query) {
        return () -> {
            long minIndex = cluster.raftIndex.get();
            return options.readYourWrites() && minIndex > 0 ? query + "&min_index=" + minIndex : query;
        };
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
        return send(method, pinnedHost, () -> pathAndQuery, body, retry, timeout);
    }

    /** As above, with the path and query built again for each attempt. */
    private Reply send(String method, String pinnedHost, Supplier<String> pathAndQuery, byte[] body, Retry retry,
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
            HttpConnection.Response response;
            try {
                long waitMillis = (remaining + SERVER_ANSWER_GRACE.toNanos()) / 1_000_000;
                response = socket(host).send(method, pathAndQuery.get(), body,
                        (int) Math.min(Integer.MAX_VALUE, waitMillis));
            } catch (HttpConnection.TlsRefused e) {
                throw new SQLNonTransientConnectionException(e.getMessage(), "08004", e);
            } catch (HttpConnection.NotSent e) {
                lastFailure = e.getMessage();
                if (retry == Retry.PINNED) {
                    throw new SQLTransientConnectionException(lastFailure, NOT_SENT, e);
                }
                redirects = 0; // a follower may still point at a leader that is gone: follow it again later
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
            }
            cluster.reportedBy(response.clusterIdentity());
            int status = response.status();
            if ((status == 301 || status == 307 || status == 308) && retry != Retry.PINNED) {
                String location = response.location();
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
            if (status == 503 && (retry == Retry.READ || retry == Retry.START)) {
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

    /** This connection's socket to {@code host} ("host:port"), opened at its first request. */
    private HttpConnection socket(String host) {
        return sockets.computeIfAbsent(host, h -> {
            URI uri = URI.create("http://" + h);
            // Credentials go to every host: the one in the URL, the next after a failover, a redirect's target.
            return new HttpConnection(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 80, CONNECT_TIMEOUT_MILLIS,
                    options.authorization(), options.tls());
        });
    }

    /** Closes this connection's sockets. */
    void close() {
        sockets.values().forEach(HttpConnection::close);
        sockets.clear();
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

    /**
     * A non-200 answer that is not retried: the server's message, with 503 marked as possibly applied, and
     * PostgreSQL's SQLStates for refused credentials (28000) and a missing permission (42501).
     */
    private static SQLException requestError(Reply reply) {
        String text = message(reply) + " (HTTP " + reply.status + " from " + reply.host + ")";
        return switch (reply.status) {
            case 503 -> new SQLTransientConnectionException(text, OUTCOME_UNKNOWN);
            case 401 -> new SQLInvalidAuthorizationSpecException(text, "28000");
            case 403 -> new SQLException(text, "42501");
            case 413 -> new SQLException(text, "54000");
            default -> new SQLException(text, "HY000");
        };
    }
}
