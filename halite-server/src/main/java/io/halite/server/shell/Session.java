package io.halite.server.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the shell asks of the cluster, in the HTTP API's terms. Every statement goes to {@code /db/request}, which
 * lets the node decide (from SQLite's compiled program) whether it reads or writes: the shell never guesses. Reads
 * use the session's consistency level; inside an interactive transaction everything goes to the leader that
 * holds it.
 */
final class Session {
    static final Set<String> LEVELS = Set.of("none", "weak", "linearizable", "strong");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows as SQLite stores them (no RFC 3339 dates) and blobs as byte arrays, so that a blob is recognisable. */
    private static final String VALUE_PARAMS = "blob_array&stored_values";

    private final NodeConnection connection;
    private final Duration txIdleTimeout;
    private String level = "weak";
    private Transaction transaction;

    /** An open interactive transaction: its id and the leader that holds it. */
    private record Transaction(String id, URI leader) {}

    /**
     * One statement's outcome: rows ({@code columns} not null) or a write's counts, or SQLite's error;
     * {@code serverSeconds} when timings were asked for (else -1).
     */
    record Result(List<String> columns, List<JsonNode> rows, long rowsAffected, long lastInsertId, String error,
                  double serverSeconds) {
        boolean hasRows() {
            return columns != null;
        }
    }

    Session(NodeConnection connection, Duration txIdleTimeout) {
        this.connection = connection;
        this.txIdleTimeout = txIdleTimeout;
    }

    String level() {
        return level;
    }

    void level(String level) {
        if (!LEVELS.contains(level)) {
            throw new ShellException("unknown consistency '" + level + "': use none, weak, linearizable or strong");
        }
        this.level = level;
    }

    boolean inTransaction() {
        return transaction != null;
    }

    URI node() {
        return connection.node();
    }

    NodeConnection connection() {
        return connection;
    }

    /** Runs one statement; SQLite's error comes back in the result, a failed request as {@link ShellException}. */
    Result execute(String sql, boolean timings) {
        String body = JSON.createArrayNode().add(sql).toString();
        JsonNode answer = send("/db/request", level, VALUE_PARAMS + (timings ? "&timings" : ""), body);
        if (answer.hasNonNull("error")) {
            throw new ShellException(answer.get("error").asText()); // e.g. a stale read at level none
        }
        JsonNode result = answer.path("results").path(0);
        if (result.isMissingNode()) {
            throw new ShellException("the node answered without a result");
        }
        return result(result);
    }

    /**
     * Rows of a query for the shell's own look-ups (schema, completion), read at {@code level} (or in the open
     * transaction, which sees its own changes).
     */
    List<JsonNode> lookUp(String level, String sql, String... params) {
        var statement = JSON.createArrayNode().add(sql);
        for (String p : params) {
            statement.add(p);
        }
        JsonNode answer = send("/db/query", level, VALUE_PARAMS, JSON.createArrayNode().add(statement).toString());
        Result result = result(answer.path("results").path(0));
        if (result.error() != null) {
            throw new ShellException(result.error());
        }
        return result.rows();
    }

    /** Begins an interactive transaction (on the leader, whichever node is asked). */
    void begin() {
        if (transaction != null) {
            throw new ShellException("a transaction is already open: .commit or .rollback it first");
        }
        var reply = connection.send(post(null), "/db/tx?idle_timeout="
                + txIdleTimeout.toMillis() + "ms", HttpResponse.BodyHandlers.ofString());
        JsonNode answer = check(reply);
        transaction = new Transaction(answer.path("tx").asText(), reply.node());
    }

    /** Commits the open transaction; returns the log index at which it took effect (0 if it wrote nothing). */
    long commit() {
        return end("commit").path("raft_index").asLong();
    }

    void rollback() {
        end("rollback");
    }

    /** The leader holding the open transaction, or null. */
    URI transactionLeader() {
        return transaction == null ? null : transaction.leader;
    }

    private JsonNode end(String how) {
        if (transaction == null) {
            throw new ShellException("no transaction is open (.begin starts one)");
        }
        Transaction ending = transaction;
        try {
            return check(connection.sendToOnly(ending.leader, post(null),
                    "/db/tx/" + encode(ending.id) + "/" + how, HttpResponse.BodyHandlers.ofString()));
        } finally {
            transaction = null; // committed, rolled back, aborted or unknown: it is not open any more
        }
    }

    /** POSTs statements to {@code endpoint}: in the open transaction, else read at {@code readLevel}. */
    private JsonNode send(String endpoint, String readLevel, String params, String body) {
        if (transaction == null) {
            return check(connection.send(post(body), endpoint + "?level=" + readLevel + "&" + params,
                    HttpResponse.BodyHandlers.ofString()));
        }
        return inTransaction(endpoint + "?tx=" + encode(transaction.id) + "&" + params, body);
    }

    private JsonNode inTransaction(String pathAndQuery, String body) {
        var reply = connection.sendToOnly(transaction.leader, post(body), pathAndQuery,
                HttpResponse.BodyHandlers.ofString());
        if (reply.status() == 404 || reply.status() == 409) {
            transaction = null; // unknown (ended) or aborted: nothing of it remains
        }
        return check(reply);
    }

    /** A GET answered with JSON (200 expected). */
    JsonNode getJson(String pathAndQuery) {
        return check(connection.send(HttpRequest.newBuilder().GET(), pathAndQuery,
                HttpResponse.BodyHandlers.ofString()));
    }

    /** A GET whose status and text the caller judges ({@code /readyz}). */
    NodeConnection.Reply<String> getText(String pathAndQuery) {
        return connection.send(HttpRequest.newBuilder().GET(), pathAndQuery, HttpResponse.BodyHandlers.ofString());
    }

    /** Streams a GET's body into {@code target} (written beside it, then moved), returning its size. */
    long download(String pathAndQuery, Path target) throws IOException {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            var reply = connection.send(HttpRequest.newBuilder().GET(), pathAndQuery,
                    HttpResponse.BodyHandlers.ofFile(partial));
            if (reply.status() != 200) {
                throw new ShellException(errorText(reply.status(), Files.readString(partial)));
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            return Files.size(target);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** {@code POST /db/load} with a file (a SQLite database or a SQL dump): replaces the whole database. */
    void load(Path file) throws IOException {
        check(connection.send(HttpRequest.newBuilder().header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file)), "/db/load", HttpResponse.BodyHandlers.ofString()));
    }

    private static HttpRequest.Builder post(String jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder().header("Content-Type", "application/json");
        return jsonBody == null ? request.POST(HttpRequest.BodyPublishers.noBody())
                : request.POST(HttpRequest.BodyPublishers.ofString(jsonBody));
    }

    /** The JSON of a 200 answer; otherwise the node's error message as a {@link ShellException}. */
    private static JsonNode check(NodeConnection.Reply<String> reply) {
        if (reply.status() != 200) {
            throw new ShellException(errorText(reply.status(), reply.body()));
        }
        try {
            return JSON.readTree(reply.body());
        } catch (IOException e) {
            throw new ShellException(reply.node() + " answered something that is not JSON");
        }
    }

    private static String errorText(int status, String body) {
        String message = body == null ? "" : body.strip();
        try {
            JsonNode json = JSON.readTree(message);
            if (json != null && json.hasNonNull("error")) {
                message = json.get("error").asText();
            }
        } catch (IOException e) {
            // not JSON: the text as it is
        }
        return message.isEmpty() ? "HTTP " + status : message;
    }

    private static Result result(JsonNode result) {
        if (result.hasNonNull("error")) {
            return new Result(null, List.of(), 0, 0, result.get("error").asText(), -1);
        }
        double seconds = result.path("time").asDouble(-1);
        if (result.has("columns")) {
            List<String> columns = new ArrayList<>();
            result.get("columns").forEach(c -> columns.add(c.asText()));
            List<JsonNode> rows = new ArrayList<>();
            result.path("values").forEach(rows::add);
            return new Result(columns, rows, 0, 0, null, seconds);
        }
        return new Result(null, List.of(), result.path("rows_affected").asLong(),
                result.path("last_insert_id").asLong(), null, seconds);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
