package io.halite.server.http;

import io.halite.core.engine.LogPosition;
import io.halite.core.engine.SqlDump;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.Health;
import io.halite.core.node.InteractiveTransactions;
import io.halite.core.node.NodeException;
import io.halite.core.node.NodeStatus;
import io.halite.core.node.ReadLevel;
import io.halite.core.node.ReadRequest;
import io.halite.core.node.WriteOutcome;
import io.halite.core.node.WriteQueue;
import io.halite.core.sql.Request;
import io.halite.core.sql.Statement;
import io.halite.server.auth.Caller;
import io.halite.server.auth.Permission;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, compatible with rqlite's request and response JSON. Errors in a statement are reported in its
 * result (HTTP 200); errors in the request itself get a 4xx/5xx status and {@code {"error": "..."}}. Nothing a
 * client sends reaches it as a stack trace.
 */
public final class HttpApi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** A failure of the node itself: the client gets no internals (class names, traces); the log has them. */
    private static final String INTERNAL_ERROR = "internal error; the node's log has the details";

    private static final Set<String> STATEMENT_PARAMS = Set.of("pretty", "timings", "timeout", "redirect",
            "transaction", "associative", "blob_array", "error_codes", "stored_values", "raft_index", "tx");
    private static final Set<String> EXECUTE_PARAMS = union(STATEMENT_PARAMS, "queue", "wait");
    private static final Set<String> REQUEST_PARAMS = union(STATEMENT_PARAMS, "level", "freshness",
            "freshness_strict", "min_index");
    private static final Set<String> QUERY_PARAMS = union(REQUEST_PARAMS, "q");
    private static final Set<String> LOAD_PARAMS = Set.of("pretty", "timings", "timeout", "redirect");
    private static final Set<String> BACKUP_PARAMS = Set.of("fmt", "redirect");
    private static final Set<String> STATUS_PARAMS = Set.of("pretty");
    private static final Set<String> CHECKSUM_PARAMS = Set.of("pretty");
    private static final Set<String> NODES_PARAMS = Set.of("pretty", "ver", "nonvoters", "timeout");
    private static final Set<String> READYZ_PARAMS = Set.of("noleader");
    private static final Set<String> MEMBERSHIP_PARAMS = Set.of("pretty", "timeout");
    /** A join waits while the leader copies its database to the new node. */
    private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(5);
    private static final long MEMBERSHIP_BODY_LIMIT = 64 << 10;

    private static final Set<String> BACKUP_STATUS_PARAMS = Set.of("pretty");
    private static final Set<String> TX_BEGIN_PARAMS = Set.of("pretty", "timeout", "idle_timeout", "min_index",
            "timings", "transaction", "associative", "blob_array", "error_codes", "stored_values");
    private static final Set<String> TX_END_PARAMS = Set.of("pretty", "timeout");
    /** Query parameters that choose where and when to read; a transaction reads on the leader, inside itself. */
    private static final Set<String> NOT_IN_TX = Set.of("level", "freshness", "freshness_strict", "min_index",
            "redirect");
    private static final Duration DEFAULT_TX_IDLE = Duration.ofSeconds(10);
    private static final Duration MAX_TX_IDLE = Duration.ofMinutes(10);
    private static final String TX_PATH = "/db/tx";
    private static final Set<String> LEADER_PARAMS = Set.of("pretty", "timeout");
    /** How long {@code POST /leader} waits for the successor to catch up and be elected, unless told. */
    private static final Duration STEP_DOWN_TIMEOUT = Duration.ofSeconds(10);
    /** The routes (as {@link #route} declares them), which name requests in metrics; others are "other". */
    private static final Set<String> ENDPOINTS = Set.of("/db/execute", "/db/query", "/db/request", "/db/load",
            "/db/backup", "/db/checksum", "/status", "/nodes", "/join", "/remove", "/backup/status", "/readyz",
            "/livez", "/metrics", "/leader", TX_PATH);
    /** What {@link #operationsOnly()} serves: scrapes and probes, nothing that reads or writes data. */
    private static final Set<String> OPERATIONS = Set.of("/metrics", "/livez", "/readyz");

    private final HaliteNode node;
    private final long maxBodyBytes;
    private final String version;
    private final java.util.function.Supplier<io.halite.backup.BackupStatus> backupStatus;
    private final ConsoleAssets console = new ConsoleAssets();
    private final RequestStats requests = new RequestStats();
    private final ServerMetrics metrics;

    /**
     * @param maxBodyBytes larger request bodies are refused with 413 ({@code /db/load} of a SQLite file excepted)
     * @param backupStatus this node's backup uploader's status, or null if the node has no backup configured
     * @param metrics      what {@code GET /metrics} shows
     */
    public HttpApi(HaliteNode node, long maxBodyBytes, String version,
                   java.util.function.Supplier<io.halite.backup.BackupStatus> backupStatus, ServerMetrics metrics) {
        this.node = node;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.version = version;
        this.backupStatus = backupStatus;
    }

    @Override
    public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        try {
            route(request, response, callback, start);
        } catch (ApiException e) {
            if (e instanceof MethodNotAllowed m) {
                response.getHeaders().put(HttpHeader.ALLOW, m.allow);
            }
            sendError(response, callback, e.status(), e.getMessage());
        } catch (NodeException e) {
            sendError(response, callback, status(e), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendError(response, callback, 503, "node is shutting down");
        } catch (Throwable e) {
            LOG.error("unexpected error serving {} {}", request.getMethod(), request.getHttpURI().getPath(), e);
            sendError(response, callback, 500, INTERNAL_ERROR);
        }
        return true;
    }

    private void route(org.eclipse.jetty.server.Request request, Response response, Callback callback, long start)
            throws Exception {
        String path = org.eclipse.jetty.server.Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals(ConsoleAssets.PATH) || path.startsWith(ConsoleAssets.PATH + "/")) {
            // The web console: static files; everything it shows comes from the endpoints below.
            requireMethod(method, "GET");
            console.serve(request, response, callback);
            return;
        }
        if (path.equals(TX_PATH) || path.startsWith(TX_PATH + "/")) {
            requireMethod(method, "POST");
            transactionControl(path.substring(TX_PATH.length()), request, response, callback, start);
            return;
        }
        switch (path) {
            case "/db/execute" -> {
                requireMethod(method, "POST");
                execute(request, response, callback, start);
            }
            case "/db/query" -> {
                requireMethod(method, "GET", "POST");
                query(request, response, callback, start);
            }
            case "/db/request" -> {
                requireMethod(method, "POST");
                unified(request, response, callback, start);
            }
            case "/db/load" -> {
                requireMethod(method, "POST");
                load(request, response, callback, start);
            }
            case "/db/backup" -> {
                requireMethod(method, "GET");
                backup(request, response, callback);
            }
            case "/db/checksum" -> {
                requireMethod(method, "GET");
                checksum(request, response, callback);
            }
            case "/status" -> {
                requireMethod(method, "GET");
                sendJson(response, callback, 200, StatusJson.status(node.status(), node.health(),
                        node.writeQueue().stats(), requests, node.config().apiAddress(), version,
                        params(request, STATUS_PARAMS).flag("pretty")));
            }
            case "/nodes" -> {
                requireMethod(method, "GET");
                nodes(request, response, callback);
            }
            case "/join" -> {
                requireMethod(method, "POST");
                join(request, response, callback);
            }
            case "/remove" -> {
                requireMethod(method, "DELETE");
                remove(request, response, callback);
            }
            case "/backup/status" -> {
                requireMethod(method, "GET");
                boolean pretty = params(request, BACKUP_STATUS_PARAMS).flag("pretty");
                if (backupStatus == null) {
                    throw new ApiException(404, "this node has no backup configured (start it with --backup)");
                }
                sendJson(response, callback, 200, StatusJson.backup(backupStatus.get(), node.leaderId(), pretty));
            }
            case "/readyz" -> {
                requireMethod(method, "GET");
                readyz(request, response, callback);
            }
            case "/livez" -> {
                requireMethod(method, "GET");
                // Liveness only: a process that answers needs no restart, whatever its leader or storage state.
                sendText(response, callback, 200, "[+]node ok");
            }
            case "/metrics" -> {
                requireMethod(method, "GET");
                send(response, callback, 200, ServerMetrics.CONTENT_TYPE,
                        metrics.scrape().getBytes(StandardCharsets.UTF_8));
            }
            case "/leader" -> {
                requireMethod(method, "POST");
                stepDown(request, response, callback);
            }
            default -> throw new ApiException(404, "no such endpoint: " + path);
        }
    }

    /** How requests to {@code path} are named in metrics: the route, or {@code other} for an unknown path. */
    static String endpointOf(String path) {
        if (path.startsWith(TX_PATH + "/")) {
            return TX_PATH;
        }
        if (path.equals(ConsoleAssets.PATH) || path.startsWith(ConsoleAssets.PATH + "/")) {
            return ConsoleAssets.PATH;
        }
        return ENDPOINTS.contains(path) ? path : "other";
    }

    /**
     * The same API restricted to {@code /metrics}, {@code /livez} and {@code /readyz}, for a separate listener
     * that monitoring reaches ({@code --metrics-addr}); every other path is 404 there.
     */
    public Handler operationsOnly() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                String path = org.eclipse.jetty.server.Request.getPathInContext(request);
                if (!OPERATIONS.contains(path)) {
                    sendError(response, callback, 404, "no such endpoint: " + path
                            + " (this listener serves /metrics, /livez and /readyz)");
                    return true;
                }
                return HttpApi.this.handle(request, response, callback);
            }
        };
    }

    /**
     * {@code POST /leader}: the leader hands leadership to the most caught-up other voter and answers who leads
     * now. A follower answers 307 with the leader's URL, as for transactions.
     */
    private void stepDown(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws InterruptedException {
        QueryParams params = params(request, LEADER_PARAMS);
        Duration timeout = params.duration("timeout", STEP_DOWN_TIMEOUT);
        if (sentToLeader(request, response, callback)) {
            return;
        }
        String successor = node.stepDown(timeout);
        sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
            g.writeStartObject();
            g.writeStringField("leader", successor);
            g.writeStringField("previous_leader", node.config().nodeId());
            g.writeEndObject();
        }));
    }

    /**
     * rqlite's {@code redirect}: a follower answers 301 with the leader's URL instead of forwarding the request.
     *
     * @return whether the request was answered with a redirect
     */
    private boolean redirected(org.eclipse.jetty.server.Request request, Response response, Callback callback,
                               QueryParams params) throws InterruptedException {
        if (!params.flag("redirect") || node.isLeader()) {
            return false;
        }
        sendRedirect(request, response, callback, 301);
        return true;
    }

    private void sendRedirect(org.eclipse.jetty.server.Request request, Response response, Callback callback,
                              int status) throws InterruptedException {
        String leader = node.leaderId();
        String address = leader == null ? "" : node.apiAddressOf(leader, Duration.ofSeconds(2));
        if (address.isEmpty()) {
            throw NodeException.unavailable("leader not found");
        }
        String query = request.getHttpURI().getQuery();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.LOCATION, address + request.getHttpURI().getPath()
                + (query == null ? "" : "?" + query));
        response.write(true, ByteBuffer.allocate(0), callback);
    }

    private void execute(org.eclipse.jetty.server.Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        QueryParams params = params(request, EXECUTE_PARAMS);
        if (params.flag("queue")) {
            queuedWrite(request, response, callback, params, start);
            return;
        }
        if (params.flag("wait")) {
            throw ApiException.badRequest("wait is for queued writes: use it together with queue");
        }
        if (params.has("tx")) {
            inTransaction(request, response, callback, params, parseBody(request, params.flag("transaction"), true),
                    RequestStats.Kind.WRITE, start);
            return;
        }
        if (redirected(request, response, callback, params)) {
            return;
        }
        ResultsJson.Style style = style(params);
        Request parsed = parseBody(request, params.flag("transaction"), true);
        sendWrite(response, callback, params, style, parsed, Caller.of(request).user(), start);
    }

    /**
     * rqlite's queued write: answered at once with the request's sequence number; applied later in a batch with
     * other queued requests. With {@code wait}, answered once everything queued up to it is applied and readable
     * on this node.
     */
    private void queuedWrite(org.eclipse.jetty.server.Request request, Response response, Callback callback,
                             QueryParams params, long start) throws InterruptedException {
        if (params.flag("transaction")) {
            throw ApiException.badRequest("a queued write cannot be a transaction: queued requests are applied in "
                    + "batches, statement by statement; drop queue or transaction");
        }
        if (params.has("tx")) {
            throw ApiException.badRequest("queue cannot be used with tx: an interactive transaction's statements "
                    + "run at once");
        }
        Duration timeout = params.duration("timeout", DEFAULT_TIMEOUT);
        if (node.leaderId() == null) {
            // As in rqlite: accepting writes that no leader can apply would only queue up losses.
            throw NodeException.unavailable("no leader: queued writes are accepted only while the cluster has one");
        }
        WriteQueue.Ticket ticket = node.writeQueue().enqueue(parseBody(request, false, true));
        long raftIndex = 0;
        if (params.flag("wait")) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                raftIndex = ticket.applied().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (NodeException) e.getCause(); // a ticket fails only with the reason its writes were lost
            } catch (TimeoutException e) {
                throw new ApiException(503, "timed out after " + timeout.toMillis() + " ms waiting for the queue to "
                        + "be applied; the writes stay queued");
            }
            if (!node.awaitApplied(raftIndex, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                throw new ApiException(503, "timed out after " + timeout.toMillis() + " ms waiting for this node to "
                        + "apply the queued writes (log index " + raftIndex + ")");
            }
        }
        requests.record(RequestStats.Kind.WRITE, start);
        sendJson(response, callback, 200, ResultsJson.queued(ticket.sequence(), style(params), seconds(start),
                params.flag("raft_index") ? raftIndex : 0));
    }

    private void sendWrite(Response response, Callback callback, QueryParams params, ResultsJson.Style style,
                           Request parsed, String user, long start) {
        boolean raftIndex = params.flag("raft_index");
        Duration timeout = params.duration("timeout", DEFAULT_TIMEOUT);
        if (parsed.statements().isEmpty()) {
            sendJson(response, callback, 200, ResultsJson.render(List.of(), style, seconds(start), 0));
            return;
        }
        CompletableFuture<WriteOutcome> outcome = node.write(parsed, user).copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        // Rendered and sent on the thread that completes the write (the batcher's reply thread, for all requests of
        // one log entry in turn): a write's answer is small and Jetty sends it without blocking, so a hand-off per
        // request to Jetty's pool cost more (waking a thread) than it saved.
        outcome.whenComplete((done, error) -> {
            requests.record(RequestStats.Kind.WRITE, start);
            if (error == null) {
                sendJson(response, callback, 200, ResultsJson.render(done.results(), style, seconds(start),
                        raftIndex ? done.raftIndex() : 0));
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof NodeException n) {
                sendError(response, callback, status(n), n.getMessage());
            } else if (cause instanceof TimeoutException) {
                sendError(response, callback, 503, "timed out after " + timeout.toMillis()
                        + " ms waiting for the write to commit; its outcome is unknown");
            } else {
                LOG.error("write failed", cause);
                sendError(response, callback, 500, INTERNAL_ERROR);
            }
        });
    }

    private void query(org.eclipse.jetty.server.Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        QueryParams params = params(request, QUERY_PARAMS);
        if (!params.has("tx") && params.level() != ReadLevel.NONE && redirected(request, response, callback, params)) {
            return;
        }
        Request parsed;
        if (request.getMethod().equals("GET")) {
            String q = params.string("q");
            if (q == null || q.isBlank()) {
                throw ApiException.badRequest("query parameter q is missing or empty");
            }
            parsed = RequestParser.plainText(q, params.flag("transaction"));
        } else {
            if (params.has("q")) {
                throw ApiException.badRequest("q is only for GET; send statements in the POST body");
            }
            parsed = parseBody(request, params.flag("transaction"), true);
        }
        if (params.has("tx")) {
            inTransaction(request, response, callback, params, parsed.asReadOnly(), RequestStats.Kind.READ, start);
            return;
        }
        sendRead(response, callback, params, parsed, start);
    }

    private void sendRead(Response response, Callback callback, QueryParams params, Request parsed, long start)
            throws InterruptedException {
        ReadLevel level = params.level();
        Duration timeout = params.duration("timeout", DEFAULT_TIMEOUT);
        if (params.has("freshness_strict") && !params.has("freshness")) {
            throw ApiException.badRequest("freshness_strict requires freshness");
        }
        ReadRequest how = new ReadRequest(level, params.duration("freshness", null),
                params.flag("freshness_strict"), params.nonNegativeLong("min_index", 0));
        try {
            HaliteNode.ReadOutcome outcome = node.read(parsed, how, timeout);
            if (outcome.staleRefusal() != null) {
                // As rqlite answers it: HTTP 200, no results, a top-level error.
                sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("results");
                    g.writeEndArray();
                    g.writeStringField("error", outcome.staleRefusal());
                    g.writeEndObject();
                }));
            } else {
                sendJson(response, callback, 200, ResultsJson.render(outcome.results(), style(params),
                        seconds(start), params.flag("raft_index") ? outcome.raftIndex() : 0));
            }
        } finally {
            requests.record(RequestStats.Kind.READ, start);
        }
    }

    /** {@code /db/request}: reads and writes mixed; any write sends the whole request through the log. */
    private void unified(org.eclipse.jetty.server.Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        QueryParams params = params(request, REQUEST_PARAMS);
        if (params.has("tx")) {
            // Counted as a write without compiling its statements to tell: inside a transaction, it may well be one.
            inTransaction(request, response, callback, params, parseBody(request, params.flag("transaction"), false),
                    RequestStats.Kind.WRITE, start);
            return;
        }
        if (redirected(request, response, callback, params)) {
            return;
        }
        Request parsed = parseBody(request, params.flag("transaction"), false);
        // Classify against a schema at least as recent as what the client has seen: a read of a table it just
        // created would not compile on a follower behind that, and would go through the log as a possible write.
        node.requireApplied(params.nonNegativeLong("min_index", 0), params.duration("timeout", DEFAULT_TIMEOUT));
        boolean writes = false;
        for (Statement statement : parsed.statements()) {
            writes |= node.isWrite(statement);
        }
        requirePermission(request, writes ? Permission.EXECUTE : Permission.QUERY);
        if (writes) {
            params.level(); // validated even though a write goes through the log
            sendWrite(response, callback, params, style(params), parsed, Caller.of(request).user(), start);
        } else {
            sendRead(response, callback, params, parsed, start);
        }
    }

    /**
     * {@code POST /db/tx} begins an interactive transaction on the leader; {@code POST /db/tx/ID/commit} and
     * {@code POST /db/tx/ID/rollback} end it. A follower answers 307 with the leader's URL: the transaction lives
     * there.
     */
    private void transactionControl(String rest, org.eclipse.jetty.server.Request request, Response response,
                                    Callback callback, long start) throws InterruptedException {
        if (rest.isEmpty()) {
            QueryParams params = params(request, TX_BEGIN_PARAMS);
            Duration idle = params.duration("idle_timeout", DEFAULT_TX_IDLE);
            if (idle.isZero() || idle.isNegative() || idle.compareTo(MAX_TX_IDLE) > 0) {
                throw ApiException.badRequest("idle_timeout must be more than 0 and at most "
                        + MAX_TX_IDLE.toMinutes() + "m");
            }
            Duration timeout = params.duration("timeout", DEFAULT_TIMEOUT);
            long minIndex = params.nonNegativeLong("min_index", 0);
            if (sentToLeader(request, response, callback)) {
                return;
            }
            node.requireApplied(minIndex, timeout);
            byte[] body = readBody(request, maxBodyBytes);
            Request first = body.length == 0 ? null : RequestParser.parse(body, params.flag("transaction"));
            String owner = Caller.of(request).user();
            InteractiveTransactions.Begun begun = node.transactions().begin(owner, idle, timeout);
            ResultsJson.Body identity = g -> {
                g.writeStringField("tx", begun.id());
                g.writeNumberField("raft_index", begun.baseIndex());
            };
            if (first == null) {
                sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
                    g.writeStartObject();
                    identity.write(g);
                    g.writeEndObject();
                }));
                return;
            }
            // Statements sent with the begin run in the new transaction: one round trip less while it holds the
            // write lock.
            List<io.halite.core.sql.StatementResult> results = first.statements().isEmpty()
                    ? List.of() : node.transactions().run(begun.id(), owner, first);
            sendJson(response, callback, 200, ResultsJson.render(results, style(params), seconds(start), 0, identity));
            return;
        }
        String[] parts = rest.substring(1).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || !(parts[1].equals("commit") || parts[1].equals("rollback"))) {
            throw new ApiException(404, "no such endpoint: " + TX_PATH + rest
                    + " (use " + TX_PATH + "/ID/commit or " + TX_PATH + "/ID/rollback)");
        }
        QueryParams params = params(request, TX_END_PARAMS);
        Duration timeout = params.duration("timeout", DEFAULT_TIMEOUT);
        if (sentToLeader(request, response, callback)) {
            return;
        }
        if (parts[1].equals("commit")) {
            long index = node.transactions().commit(parts[0], Caller.of(request).user(), timeout);
            sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
                g.writeStartObject();
                if (index > 0) {
                    g.writeNumberField("raft_index", index);
                }
                g.writeEndObject();
            }));
        } else {
            node.transactions().rollback(parts[0], Caller.of(request).user());
            sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
                g.writeStartObject();
                g.writeEndObject();
            }));
        }
    }

    /** Runs a request's statements inside the interactive transaction named by {@code tx}. */
    private void inTransaction(org.eclipse.jetty.server.Request request, Response response, Callback callback,
                               QueryParams params, Request parsed, RequestStats.Kind kind, long start)
            throws InterruptedException {
        for (String name : NOT_IN_TX) {
            if (params.has(name)) {
                throw ApiException.badRequest(name + " cannot be used with tx: a transaction reads and writes on "
                        + "the leader, inside itself");
            }
        }
        if (sentToLeader(request, response, callback)) {
            return;
        }
        try {
            List<io.halite.core.sql.StatementResult> results = parsed.statements().isEmpty()
                    ? List.of()
                    : node.transactions().run(params.string("tx"), Caller.of(request).user(), parsed);
            sendJson(response, callback, 200, ResultsJson.render(results, style(params), seconds(start), 0));
        } finally {
            requests.record(kind, start);
        }
    }

    /**
     * Answers 307 with the leader's URL for the same request if this node is not the leader (a transaction lives
     * on the leader; 307 keeps the method and body).
     *
     * @return whether the request was redirected
     */
    private boolean sentToLeader(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws InterruptedException {
        if (node.isLeader()) {
            return false;
        }
        sendRedirect(request, response, callback, 307);
        return true;
    }

    private void load(org.eclipse.jetty.server.Request request, Response response, Callback callback, long start)
            throws IOException, InterruptedException {
        QueryParams params = params(request, LOAD_PARAMS);
        Duration timeout = params.duration("timeout", Duration.ofMinutes(10));
        Path image = Files.createTempFile(node.config().dataDir(), "upload-", ".sqlite");
        // A dump is answered as rqlite answers it (it executes the text as one statement): one result, SQLite's
        // last insert id and changes after the script. A database file gets no results.
        List<io.halite.core.sql.StatementResult> results = List.of();
        try {
            try (InputStream body = org.eclipse.jetty.server.Request.asInputStream(request)) {
                byte[] head = body.readNBytes(SQLITE_HEADER.length);
                if (Arrays.equals(head, SQLITE_HEADER)) {
                    try (OutputStream out = Files.newOutputStream(image)) {
                        out.write(head);
                        body.transferTo(out);
                    }
                } else {
                    byte[] rest = readLimited(body, maxBodyBytes - head.length);
                    String sql = sqlDumpText(head, rest);
                    Files.delete(image);
                    try {
                        SqlDump.Executed executed = SqlDump.toDatabaseFile(sql, image);
                        results = List.of(new io.halite.core.sql.StatementResult.Exec(executed.lastInsertId(),
                                executed.rowsAffected(), seconds(start)));
                    } catch (SQLException e) {
                        throw ApiException.badRequest("the SQL dump failed: " + e.getMessage());
                    }
                }
            }
            try {
                SqliteDatabase.checkImage(image);
            } catch (SQLException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            try (InputStream in = Files.newInputStream(image)) {
                node.load(in, timeout);
            }
            sendJson(response, callback, 200, ResultsJson.render(results, style(params), seconds(start), 0));
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /**
     * The body as SQL text: it must be UTF-8 without NUL bytes (SQLite would silently stop reading at one), so
     * that binary garbage is refused rather than "executed" as an empty script.
     */
    private static String sqlDumpText(byte[] head, byte[] rest) {
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        for (byte b : all) {
            if (b == 0) {
                throw ApiException.badRequest("the body is neither a SQLite database nor SQL text");
            }
        }
        try {
            String sql = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(all)).toString();
            if (sql.isBlank()) {
                throw ApiException.badRequest("the body is empty: send a SQLite database file or a SQL dump");
            }
            return sql;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ApiException.badRequest("the body is neither a SQLite database nor UTF-8 SQL text");
        }
    }

    private void backup(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws IOException {
        QueryParams params = params(request, BACKUP_PARAMS);
        String format = params.string("fmt");
        if ("sql".equals(format)) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/sql; charset=utf-8");
            try (java.io.Writer out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(
                    Content.Sink.asOutputStream(response), StandardCharsets.UTF_8), 64 * 1024)) {
                node.database().dumpTo(out);
            } catch (IOException | SQLException e) {
                callback.failed(e);
                return;
            }
            callback.succeeded();
            return;
        }
        if (format != null && !format.equals("binary")) {
            throw ApiException.badRequest("unsupported backup format '" + format + "': use binary (the default) or sql");
        }
        try (SqliteDatabase.Copy copy = node.copy()) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"halite-backup.sqlite\"");
            response.getHeaders().put(HaliteNode.COPY_INDEX_HEADER, Long.toString(copy.state().appliedIndex()));
            if (copy.state().appliedTerm() != LogPosition.UNKNOWN_TERM) { // known once the log replay passed it
                response.getHeaders().put(HaliteNode.COPY_TERM_HEADER, Long.toString(copy.state().appliedTerm()));
            }
            response.getHeaders().put(HaliteNode.COPY_MID_LOAD_HEADER, Boolean.toString(copy.state().midLoad()));
            if (!node.clusterIdentity().isEmpty()) {
                response.getHeaders().put(HaliteNode.COPY_CLUSTER_IDENTITY_HEADER, node.clusterIdentity());
            }
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                Files.copy(copy.file(), out);
            }
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        callback.succeeded();
    }

    /** A SHA-256 of the schema and every row, with the applied index it belongs to: compare replicas or backups. */
    private void checksum(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws SQLException {
        QueryParams params = params(request, CHECKSUM_PARAMS);
        SqliteDatabase.Checksum checksum = node.database().contentChecksum();
        sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
            g.writeStartObject();
            g.writeNumberField("applied_index", checksum.appliedIndex());
            g.writeStringField("checksum", checksum.sha256());
            g.writeEndObject();
        }));
    }

    /** Every member as this node's configuration lists it, each asked (in parallel) how far it has applied. */
    private void nodes(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws InterruptedException {
        QueryParams params = params(request, NODES_PARAMS);
        NodeStatus status = node.status();
        Duration timeout = params.duration("timeout", Duration.ofSeconds(2));
        List<NodeStatus.Member> members = status.members().stream()
                .filter(m -> m.voter() || params.flag("nonvoters"))
                .toList();
        java.util.Map<String, CompletableFuture<HaliteNode.MemberInfo>> asked = new java.util.LinkedHashMap<>();
        members.forEach(m -> asked.put(m.id(), node.memberInfo(m.id(), timeout)));
        java.util.Map<String, StatusJson.Answer> answers = new java.util.HashMap<>();
        for (NodeStatus.Member m : members) {
            HaliteNode.MemberInfo info;
            try {
                info = asked.get(m.id()).get();
            } catch (java.util.concurrent.ExecutionException e) {
                info = null;
            }
            answers.put(m.id(), info == null
                    ? new StatusJson.Answer(node.knownApiAddress(m.id()), false, 0, "")
                    : new StatusJson.Answer(info.apiAddress(), true, info.appliedIndex(), info.storageFailure()));
        }
        sendJson(response, callback, 200, StatusJson.nodes(status, members, answers, version,
                "2".equals(params.string("ver")), params.flag("pretty")));
    }

    /** rqlite's {@code POST /join}: {@code {"id": "n4", "addr": "host:raftport", "voter": true}}. */
    private void join(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws InterruptedException {
        QueryParams params = params(request, MEMBERSHIP_PARAMS);
        MembershipRequest.Join join = MembershipRequest.join(readBody(request, MEMBERSHIP_BODY_LIMIT));
        if (join.voter()) {
            requirePermission(request, Permission.JOIN);
        }
        HaliteNode.MembershipChange change = node.addMember(join.id(), join.raftAddress(), join.voter(),
                params.duration("timeout", JOIN_TIMEOUT));
        sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
            g.writeStartObject();
            g.writeStringField("id", join.id());
            g.writeStringField("addr", join.raftAddress());
            g.writeBooleanField("voter", join.voter());
            g.writeBooleanField("added", change == HaliteNode.MembershipChange.ADDED);
            g.writeEndObject();
        }));
    }

    /** rqlite's {@code DELETE /remove}: {@code {"id": "n3"}}. */
    private void remove(org.eclipse.jetty.server.Request request, Response response, Callback callback)
            throws InterruptedException {
        QueryParams params = params(request, MEMBERSHIP_PARAMS);
        String id = MembershipRequest.remove(readBody(request, MEMBERSHIP_BODY_LIMIT));
        node.removeMember(id, params.duration("timeout", DEFAULT_TIMEOUT));
        sendJson(response, callback, 200, ResultsJson.write(params.flag("pretty"), g -> {
            g.writeStartObject();
            g.writeStringField("removed", id);
            g.writeEndObject();
        }));
    }

    /**
     * {@code 200} when the node can serve: a leader is known and this node's data is current. Otherwise 503, with
     * a line saying why: no leader, a follower catching up, or storage that cannot be written. {@code noleader}
     * checks only the node itself (its storage), as in rqlite.
     */
    private void readyz(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
        QueryParams params = params(request, READYZ_PARAMS);
        Health health = node.health();
        boolean nodeOnly = params.flag("noleader");
        String body;
        boolean ready;
        switch (health.state()) {
            case OK -> {
                ready = true;
                body = "[+]node ok" + (nodeOnly ? "" : "\n[+]leader ok\n[+]store ok");
            }
            case NO_LEADER -> {
                ready = nodeOnly;
                body = "[+]node ok" + (nodeOnly ? "" : "\n[+]leader does not exist");
            }
            case CATCHING_UP -> {
                ready = nodeOnly;
                body = "[+]node ok" + (nodeOnly ? "" : "\n[+]leader ok\n[-]store " + health.reason());
            }
            default -> {
                ready = false;
                body = "[-]node " + health.reason();
            }
        }
        sendText(response, callback, ready ? 200 : 503, body);
    }

    static void sendText(Response response, Callback callback, int status, String body) {
        send(response, callback, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private Request parseBody(org.eclipse.jetty.server.Request request, boolean transaction, boolean allowPlainText) {
        byte[] body = readBody(request, maxBodyBytes);
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (allowPlainText && contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/plain")) {
            return RequestParser.plainText(new String(body, StandardCharsets.UTF_8), transaction);
        }
        return RequestParser.parse(body, transaction);
    }

    private static byte[] readBody(org.eclipse.jetty.server.Request request, long limit) {
        long declared = request.getLength();
        if (declared > limit) {
            throw new ApiException(413, "request body of " + declared + " bytes exceeds the limit of " + limit
                    + " bytes");
        }
        try (InputStream in = org.eclipse.jetty.server.Request.asInputStream(request)) {
            return readLimited(in, limit);
        } catch (IOException e) {
            // Jetty's message names its own exceptions; the client needs only this.
            throw ApiException.badRequest("cannot read the request body: the client stopped sending it, or its "
                    + "framing is broken");
        }
    }

    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new ApiException(413, "request body exceeds the limit of " + limit + " bytes");
        }
        return body;
    }

    /** The one place a node's failures become HTTP statuses. */
    static int status(NodeException failure) {
        return switch (failure.reason()) {
            case UNAVAILABLE, NOT_LEADER, OUTCOME_UNKNOWN -> 503;
            case TOO_LARGE -> 413;
            case TRANSACTION_ABORTED, MEMBERSHIP_CONFLICT -> 409;
            case NO_SUCH_TRANSACTION, NO_SUCH_MEMBER -> 404;
            case NOT_TRANSACTION_OWNER, USER_REFUSED -> 403;
            case LAST_VOTER -> 400;
        };
    }

    private static QueryParams params(org.eclipse.jetty.server.Request request, Set<String> allowed) {
        return QueryParams.parse(request.getHttpURI().getQuery(), allowed);
    }

    private static ResultsJson.Style style(QueryParams params) {
        return new ResultsJson.Style(params.flag("pretty"), params.flag("timings"), params.flag("associative"),
                params.flag("blob_array"), params.flag("error_codes"), params.flag("stored_values"));
    }

    /** The permission checks (beyond the auth route table's) that depend on what the request turned out to be. */
    private static void requirePermission(org.eclipse.jetty.server.Request request, Permission permission) {
        Caller caller = Caller.of(request);
        if (!caller.may(permission)) {
            throw new ApiException(403, caller.refusal(Set.of(permission)));
        }
    }

    private static void requireMethod(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new MethodNotAllowed(method, String.join(", ", allowed));
    }

    /** 405, with the Allow header the client needs. */
    private static final class MethodNotAllowed extends ApiException {
        final String allow;

        MethodNotAllowed(String method, String allow) {
            super(405, "method " + method + " is not allowed here; use " + allow);
            this.allow = allow;
        }
    }

    static void sendJson(Response response, Callback callback, int status, byte[] body) {
        send(response, callback, status, "application/json; charset=utf-8", body);
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static void sendError(Response response, Callback callback, int status, String message) {
        if (response.isCommitted()) {
            callback.failed(new IOException(message));
            return;
        }
        if (status == 413) {
            // The rest of the body is not read, so the connection cannot carry another request: say so.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        sendJson(response, callback, status, ResultsJson.error(message));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static Set<String> union(Set<String> base, String... more) {
        java.util.HashSet<String> all = new java.util.HashSet<>(base);
        all.addAll(Arrays.asList(more));
        return Set.copyOf(all);
    }
}
