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
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
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
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
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
    /** A failure of the node itself: the client gets no internals (class names, traces); the log has them. */
    private static final String INTERNAL_ERROR = "internal error; the node's log has the details";

    /** A join waits while the leader copies its database to the new node. */
    private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(5);
    private static final long MEMBERSHIP_BODY_LIMIT = 64 << 10;

    private static final String TX_PATH = "/db/tx";
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
    /** The cluster's identity as a response header, encoded once: it never changes once the node knows it. */
    private volatile HttpField identityHeader;

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
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        HttpField identity = identityHeader();
        if (identity != null) {
            // Clients tell a cluster recreated at the same addresses from the one whose log indexes they hold.
            response.getHeaders().put(identity);
        }
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

    private HttpField identityHeader() {
        HttpField header = identityHeader;
        if (header == null && !node.clusterIdentity().isEmpty()) {
            header = new PreEncodedHttpField(MemberCopyFetcher.CLUSTER_IDENTITY_HEADER, node.clusterIdentity());
            identityHeader = header;
        }
        return header;
    }

    private void route(Request request, Response response, Callback callback, long start)
            throws Exception {
        String path = Request.getPathInContext(request);
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
                        EndpointParams.Pretty.parse(rawQuery(request)).pretty()));
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
                boolean pretty = EndpointParams.Pretty.parse(rawQuery(request)).pretty();
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
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
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
    private void stepDown(Request request, Response response, Callback callback)
            throws InterruptedException {
        EndpointParams.Timed params = EndpointParams.Timed.parse(rawQuery(request), STEP_DOWN_TIMEOUT);
        if (sentToLeader(request, response, callback)) {
            return;
        }
        String successor = node.stepDown(params.timeout());
        sendJson(response, callback, 200, ResultsJson.write(params.pretty(), g -> {
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
    private boolean redirected(Request request, Response response, Callback callback,
                               EndpointParams.Statements params) throws InterruptedException {
        if (!params.redirect() || node.isLeader()) {
            return false;
        }
        sendRedirect(request, response, callback, 301);
        return true;
    }

    private void sendRedirect(Request request, Response response, Callback callback,
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

    private void execute(Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        EndpointParams.Execute execute = EndpointParams.Execute.parse(rawQuery(request));
        EndpointParams.Statements params = execute.statements();
        if (execute.queue()) {
            queuedWrite(request, response, callback, execute, start);
            return;
        }
        if (params.inTransaction()) {
            inTransaction(request, response, callback, params, parseBody(request, params.transaction(), true),
                    RequestStats.Kind.WRITE, start);
            return;
        }
        if (redirected(request, response, callback, params)) {
            return;
        }
        SqlRequest parsed = parseBody(request, params.transaction(), true);
        sendWrite(response, callback, params, parsed, Caller.of(request).user(), start);
    }

    /**
     * rqlite's queued write: answered at once with the request's sequence number; applied later in a batch with
     * other queued requests. With {@code wait}, answered once everything queued up to it is applied and readable
     * on this node.
     */
    private void queuedWrite(Request request, Response response, Callback callback,
                             EndpointParams.Execute execute, long start) throws InterruptedException {
        Duration timeout = execute.statements().timeout();
        if (node.leaderId() == null) {
            // As in rqlite: accepting writes that no leader can apply would only queue up losses.
            throw NodeException.unavailable("no leader: queued writes are accepted only while the cluster has one");
        }
        WriteQueue.Ticket ticket = node.writeQueue().enqueue(parseBody(request, false, true));
        long raftIndex = 0;
        if (execute.waitForQueue()) {
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
        sendJson(response, callback, 200, ResultsJson.queued(ticket.sequence(), execute.statements().style(),
                seconds(start), execute.statements().raftIndex() ? raftIndex : 0));
    }

    private void sendWrite(Response response, Callback callback, EndpointParams.Statements params, SqlRequest parsed,
                           String user, long start) {
        ResultsJson.Style style = params.style();
        boolean raftIndex = params.raftIndex();
        Duration timeout = params.timeout();
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

    private void query(Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        EndpointParams.Query query = EndpointParams.Query.parse(rawQuery(request));
        EndpointParams.Statements params = query.statements();
        if (!params.inTransaction() && query.consistency().level() != ReadLevel.NONE
                && redirected(request, response, callback, params)) {
            return;
        }
        SqlRequest parsed;
        if (request.getMethod().equals("GET")) {
            String q = query.q();
            if (q == null || q.isBlank()) {
                throw ApiException.badRequest("query parameter q is missing or empty");
            }
            parsed = RequestParser.plainText(q, params.transaction());
        } else {
            if (query.q() != null) {
                throw ApiException.badRequest("q is only for GET; send statements in the POST body");
            }
            parsed = parseBody(request, params.transaction(), true);
        }
        if (params.inTransaction()) {
            inTransaction(request, response, callback, params, parsed.asReadOnly(), RequestStats.Kind.READ, start);
            return;
        }
        sendRead(response, callback, params, query.consistency(), parsed, start);
    }

    private void sendRead(Response response, Callback callback, EndpointParams.Statements params,
                          ReadRequest consistency, SqlRequest parsed, long start) throws InterruptedException {
        try {
            HaliteNode.ReadOutcome outcome = node.read(parsed, consistency, params.timeout());
            if (outcome.staleRefusal() != null) {
                // As rqlite answers it: HTTP 200, no results, a top-level error.
                sendJson(response, callback, 200, ResultsJson.write(params.style().pretty(), g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("results");
                    g.writeEndArray();
                    g.writeStringField("error", outcome.staleRefusal());
                    g.writeEndObject();
                }));
            } else {
                sendJson(response, callback, 200, ResultsJson.render(outcome.results(), params.style(),
                        seconds(start), params.raftIndex() ? outcome.raftIndex() : 0));
            }
        } finally {
            requests.record(RequestStats.Kind.READ, start);
        }
    }

    /** {@code /db/request}: reads and writes mixed; any write sends the whole request through the log. */
    private void unified(Request request, Response response, Callback callback, long start)
            throws InterruptedException {
        EndpointParams.Unified unified = EndpointParams.Unified.parse(rawQuery(request));
        EndpointParams.Statements params = unified.statements();
        if (params.inTransaction()) {
            // Counted as a write without compiling its statements to tell: inside a transaction, it may well be one.
            inTransaction(request, response, callback, params, parseBody(request, params.transaction(), false),
                    RequestStats.Kind.WRITE, start);
            return;
        }
        if (redirected(request, response, callback, params)) {
            return;
        }
        SqlRequest parsed = parseBody(request, params.transaction(), false);
        // Classify against a schema at least as recent as what the client has seen: a read of a table it just
        // created would not compile on a follower behind that, and would go through the log as a possible write.
        node.requireApplied(unified.consistency().minIndex(), params.timeout());
        boolean writes = false;
        for (SqlStatement statement : parsed.statements()) {
            writes |= node.isWrite(statement);
        }
        requirePermission(request, writes ? Permission.EXECUTE : Permission.QUERY);
        if (writes) {
            sendWrite(response, callback, params, parsed, Caller.of(request).user(), start);
        } else {
            sendRead(response, callback, params, unified.consistency(), parsed, start);
        }
    }

    /**
     * {@code POST /db/tx} begins an interactive transaction on the leader; {@code POST /db/tx/ID/commit} and
     * {@code POST /db/tx/ID/rollback} end it. A follower answers 307 with the leader's URL: the transaction lives
     * there.
     */
    private void transactionControl(String rest, Request request, Response response,
                                    Callback callback, long start) throws InterruptedException {
        if (rest.isEmpty()) {
            EndpointParams.Begin params = EndpointParams.Begin.parse(rawQuery(request));
            if (sentToLeader(request, response, callback)) {
                return;
            }
            node.requireApplied(params.minIndex(), params.timeout());
            byte[] body = readBody(request, maxBodyBytes);
            SqlRequest first = body.length == 0 ? null : RequestParser.parse(body, params.transaction());
            String owner = Caller.of(request).user();
            InteractiveTransactions.Begun begun = node.transactions().begin(owner, params.idleTimeout(),
                    params.timeout());
            ResultsJson.Body identity = g -> {
                g.writeStringField("tx", begun.id());
                g.writeNumberField("raft_index", begun.baseIndex());
            };
            if (first == null) {
                sendJson(response, callback, 200, ResultsJson.write(params.style().pretty(), g -> {
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
            sendJson(response, callback, 200, ResultsJson.render(results, params.style(), seconds(start), 0, identity));
            return;
        }
        String[] parts = rest.substring(1).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || !(parts[1].equals("commit") || parts[1].equals("rollback"))) {
            throw new ApiException(404, "no such endpoint: " + TX_PATH + rest
                    + " (use " + TX_PATH + "/ID/commit or " + TX_PATH + "/ID/rollback)");
        }
        EndpointParams.Timed params = EndpointParams.Timed.parse(rawQuery(request), EndpointParams.DEFAULT_TIMEOUT);
        if (sentToLeader(request, response, callback)) {
            return;
        }
        if (parts[1].equals("commit")) {
            long index = node.transactions().commit(parts[0], Caller.of(request).user(), params.timeout());
            sendJson(response, callback, 200, ResultsJson.write(params.pretty(), g -> {
                g.writeStartObject();
                if (index > 0) {
                    g.writeNumberField("raft_index", index);
                }
                g.writeEndObject();
            }));
        } else {
            node.transactions().rollback(parts[0], Caller.of(request).user());
            sendJson(response, callback, 200, ResultsJson.write(params.pretty(), g -> {
                g.writeStartObject();
                g.writeEndObject();
            }));
        }
    }

    /** Runs a request's statements inside the interactive transaction named by {@code tx}. */
    private void inTransaction(Request request, Response response, Callback callback,
                               EndpointParams.Statements params, SqlRequest parsed, RequestStats.Kind kind, long start)
            throws InterruptedException {
        if (sentToLeader(request, response, callback)) {
            return;
        }
        try {
            List<io.halite.core.sql.StatementResult> results = parsed.statements().isEmpty()
                    ? List.of()
                    : node.transactions().run(params.tx(), Caller.of(request).user(), parsed);
            sendJson(response, callback, 200, ResultsJson.render(results, params.style(), seconds(start), 0));
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
    private boolean sentToLeader(Request request, Response response, Callback callback)
            throws InterruptedException {
        if (node.isLeader()) {
            return false;
        }
        sendRedirect(request, response, callback, 307);
        return true;
    }

    private void load(Request request, Response response, Callback callback, long start)
            throws IOException, InterruptedException {
        EndpointParams.Load params = EndpointParams.Load.parse(rawQuery(request));
        Path image = Files.createTempFile(node.config().dataDir(), "upload-", ".sqlite");
        // A dump is answered as rqlite answers it (it executes the text as one statement): one result, SQLite's
        // last insert id and changes after the script. A database file gets no results.
        List<io.halite.core.sql.StatementResult> results = List.of();
        try {
            try (InputStream body = Request.asInputStream(request)) {
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
                node.load(in, params.timeout());
            }
            sendJson(response, callback, 200, ResultsJson.render(results, params.style(), seconds(start), 0));
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

    private void backup(Request request, Response response, Callback callback)
            throws IOException {
        if (EndpointParams.Backup.parse(rawQuery(request)).sql()) {
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
        try (SqliteDatabase.Copy copy = node.copy()) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"halite-backup.sqlite\"");
            response.getHeaders().put(MemberCopyFetcher.INDEX_HEADER, Long.toString(copy.state().appliedIndex()));
            if (copy.state().appliedTerm() != LogPosition.UNKNOWN_TERM) { // known once the log replay passed it
                response.getHeaders().put(MemberCopyFetcher.TERM_HEADER, Long.toString(copy.state().appliedTerm()));
            }
            response.getHeaders().put(MemberCopyFetcher.MID_LOAD_HEADER, Boolean.toString(copy.state().midLoad()));
            // Again, after the copy: it may hold the founding entry of an identity unknown when the request came.
            HttpField identity = identityHeader();
            if (identity != null) {
                response.getHeaders().put(identity);
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
    private void checksum(Request request, Response response, Callback callback)
            throws SQLException {
        boolean pretty = EndpointParams.Pretty.parse(rawQuery(request)).pretty();
        SqliteDatabase.Checksum checksum = node.database().contentChecksum();
        sendJson(response, callback, 200, ResultsJson.write(pretty, g -> {
            g.writeStartObject();
            g.writeNumberField("applied_index", checksum.appliedIndex());
            g.writeStringField("checksum", checksum.sha256());
            g.writeEndObject();
        }));
    }

    /** Every member as this node's configuration lists it, each asked (in parallel) how far it has applied. */
    private void nodes(Request request, Response response, Callback callback)
            throws InterruptedException {
        EndpointParams.Nodes params = EndpointParams.Nodes.parse(rawQuery(request));
        NodeStatus status = node.status();
        List<NodeStatus.Member> members = status.members().stream()
                .filter(m -> m.voter() || params.nonVoters())
                .toList();
        java.util.Map<String, CompletableFuture<HaliteNode.MemberInfo>> asked = new java.util.LinkedHashMap<>();
        members.forEach(m -> asked.put(m.id(), node.memberInfo(m.id(), params.timeout())));
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
                params.version2(), params.pretty()));
    }

    /** rqlite's {@code POST /join}: {@code {"id": "n4", "addr": "host:raftport", "voter": true}}. */
    private void join(Request request, Response response, Callback callback)
            throws InterruptedException {
        EndpointParams.Timed params = EndpointParams.Timed.parse(rawQuery(request), JOIN_TIMEOUT);
        MembershipRequest.Join join = MembershipRequest.join(readBody(request, MEMBERSHIP_BODY_LIMIT));
        if (join.voter()) {
            requirePermission(request, Permission.JOIN);
        }
        HaliteNode.MembershipChange change = node.addMember(join.id(), join.raftAddress(), join.voter(),
                params.timeout());
        sendJson(response, callback, 200, ResultsJson.write(params.pretty(), g -> {
            g.writeStartObject();
            g.writeStringField("id", join.id());
            g.writeStringField("addr", join.raftAddress());
            g.writeBooleanField("voter", join.voter());
            g.writeBooleanField("added", change == HaliteNode.MembershipChange.ADDED);
            g.writeEndObject();
        }));
    }

    /** rqlite's {@code DELETE /remove}: {@code {"id": "n3"}}. */
    private void remove(Request request, Response response, Callback callback)
            throws InterruptedException {
        EndpointParams.Timed params = EndpointParams.Timed.parse(rawQuery(request), EndpointParams.DEFAULT_TIMEOUT);
        String id = MembershipRequest.remove(readBody(request, MEMBERSHIP_BODY_LIMIT));
        node.removeMember(id, params.timeout());
        sendJson(response, callback, 200, ResultsJson.write(params.pretty(), g -> {
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
    private void readyz(Request request, Response response, Callback callback) {
        boolean nodeOnly = EndpointParams.Readyz.parse(rawQuery(request)).noLeader();
        Health health = node.health();
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

    private SqlRequest parseBody(Request request, boolean transaction, boolean allowPlainText) {
        byte[] body = readBody(request, maxBodyBytes);
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (allowPlainText && contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/plain")) {
            return RequestParser.plainText(new String(body, StandardCharsets.UTF_8), transaction);
        }
        return RequestParser.parse(body, transaction);
    }

    private static byte[] readBody(Request request, long limit) {
        long declared = request.getLength();
        if (declared > limit) {
            throw new ApiException(413, "request body of " + declared + " bytes exceeds the limit of " + limit
                    + " bytes");
        }
        try (InputStream in = Request.asInputStream(request)) {
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

    /** The raw (still percent-encoded) query string, for {@link EndpointParams} to parse. */
    private static String rawQuery(Request request) {
        return request.getHttpURI().getQuery();
    }

    /** The permission checks (beyond the auth route table's) that depend on what the request turned out to be. */
    private static void requirePermission(Request request, Permission permission) {
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
        sendJson(response, callback, status, ResultsJson.error(message));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
