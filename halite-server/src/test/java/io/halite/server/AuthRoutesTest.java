package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint and method of a node run with --auth, called four ways: without credentials (401), with a wrong
 * password (401), as a user holding every permission but the one it needs (403), and as a user holding only that
 * one (the endpoint's own answer). The expected table below is written from the README, not from the code's.
 */
class AuthRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PERMISSIONS = List.of("all", "execute", "query", "load", "backup", "status",
            "ready", "join", "join-read-only", "remove", "leader-ops", "metrics", "ui");

    /**
     * One call: {@code {tx}} in the path is an open transaction of the user holding the permission (begun before
     * the call, rolled back after it).
     */
    record Row(String method, String path, String body, String permission, int success) {}

    @TempDir
    static Path dir;
    static ServerProcess node;
    static int raftPort;
    /** Each wrong-password call comes from its own address, so that the failure throttle stays out of the way. */
    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(1);

    @BeforeAll
    static void start() throws Exception {
        UsersFileBuilder users = new UsersFileBuilder();
        for (String p : PERMISSIONS) {
            users.user("has-" + p, "pw-has-" + p, p);
            List<String> others = new ArrayList<>(PERMISSIONS);
            others.removeAll(List.of(p, "all"));
            if (p.equals("join-read-only")) {
                others.remove("join"); // join includes join-read-only
            }
            users.user("lacks-" + p, "pw-lacks-" + p, others.toArray(String[]::new));
        }
        Path file = users.writeTo(dir.resolve("users.json"));
        raftPort = ServerProcess.freePort();
        node = new ServerProcess(dir.resolve("data"), dir.resolve("logs"), ServerProcess.freePort(), raftPort,
                List.of("--node-id", "n0", "--auth", file.toString()))
                .readinessAuthorization(RawHttp.basic("has-ready", "pw-has-ready"));
        node.start();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    private static List<Row> table() {
        String write = "[\"CREATE TABLE IF NOT EXISTS t(x)\", \"INSERT INTO t VALUES(1)\"]";
        String read = "[\"SELECT 1\"]";
        return List.of(
                new Row("POST", "/db/execute", write, "execute", 200),
                new Row("POST", "/db/execute?queue", write, "execute", 200),
                new Row("GET", "/db/query?q=SELECT%201", null, "query", 200),
                new Row("POST", "/db/query", read, "query", 200),
                new Row("POST", "/db/request", read, "query", 200),
                new Row("POST", "/db/request", write, "execute", 200),
                new Row("POST", "/db/tx", null, "execute", 200),
                new Row("POST", "/db/execute?tx={tx}", write, "execute", 200),
                new Row("POST", "/db/query?tx={tx}", read, "execute", 200),
                new Row("POST", "/db/request?tx={tx}", read, "execute", 200),
                new Row("POST", "/db/tx/{tx}/commit", null, "execute", 200),
                new Row("POST", "/db/tx/{tx}/rollback", null, "execute", 200),
                new Row("POST", "/db/load", "CREATE TABLE IF NOT EXISTS t(x);", "load", 200),
                new Row("GET", "/db/backup", null, "backup", 200),
                new Row("GET", "/db/backup?fmt=sql", null, "backup", 200),
                new Row("GET", "/db/checksum", null, "query", 200),
                new Row("GET", "/status", null, "status", 200),
                new Row("GET", "/nodes", null, "status", 200),
                new Row("GET", "/backup/status", null, "status", 404), // this node has no backup
                new Row("GET", "/readyz", null, "ready", 200),
                new Row("POST", "/join", "{\"id\": \"n0\", \"addr\": \"127.0.0.1:" + raftPort
                        + "\", \"voter\": true}", "join", 200), // already a member: nothing to do
                new Row("POST", "/join", "{\"id\": \"n0\", \"addr\": \"127.0.0.1:" + raftPort
                        + "\", \"voter\": false}", "join-read-only", 409), // a voter already
                new Row("DELETE", "/remove", "{\"id\": \"nobody\"}", "remove", 404),
                new Row("GET", "/metrics", null, "metrics", 200),
                new Row("POST", "/leader", null, "leader-ops", 409), // a single node: nobody to hand over to
                new Row("GET", "/console/", null, "ui", 200),
                new Row("GET", "/console/console.js", null, "ui", 200),
                new Row("GET", "/db/execute", null, "execute", 405),
                new Row("DELETE", "/status", null, "status", 405),
                new Row("GET", "/no-such-endpoint", null, "all", 404));
    }

    @Test
    void everyEndpointAnswers401WithoutOrWithWrongCredentials403WithoutItsPermissionAndServesItsHolder()
            throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (Row row : table()) {
            String owner = "has-" + row.permission;
            String ownerAuth = RawHttp.basic(owner, "pw-" + owner);
            String dummyPath = row.path.replace("{tx}", "n0-000000000000000000000000");
            check(mismatches, row, "no credentials", call("127.0.0.1", row, dummyPath, null), 401);
            check(mismatches, row, "wrong password", call("127.0.1." + NEXT_ADDRESS.getAndIncrement(), row, dummyPath,
                    RawHttp.basic(owner, "wrong")), 401);
            String lacking = "lacks-" + row.permission;
            check(mismatches, row, lacking, call("127.0.0.1", row, dummyPath,
                    RawHttp.basic(lacking, "pw-" + lacking)), 403);
            String tx = row.path.contains("{tx}") ? begin(ownerAuth) : null;
            String path = tx == null ? row.path : row.path.replace("{tx}", tx);
            RawHttp.Answer served = call("127.0.0.1", row, path, ownerAuth);
            check(mismatches, row, owner, served, row.success);
            if (row.path.equals("/db/tx") && served.status() == 200) {
                tx = JSON.readTree(served.body()).path("tx").asText();
            }
            if (tx != null && !row.path.endsWith("/commit") && !row.path.endsWith("/rollback")) {
                RawHttp.send("127.0.0.1", node.baseUrl(), "POST", "/db/tx/" + tx + "/rollback", ownerAuth, null);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void livezNeedsNoCredentialsSoThatLivenessProbesWork() throws Exception {
        Row livez = new Row("GET", "/livez", null, "none", 200);
        assertThat(call("127.0.0.1", livez, "/livez", null).status()).isEqualTo(200);
        assertThat(call("127.0.1.250", livez, "/livez", RawHttp.basic("has-ready", "wrong")).status()).isEqualTo(200);
    }

    @Test
    void refusalsSayWhyInJsonAndAskForBasicCredentials() throws Exception {
        Row status = new Row("GET", "/status", null, "status", 200);
        RawHttp.Answer anonymous = call("127.0.0.1", status, "/status", null);
        assertThat(anonymous.headers().get("www-authenticate")).startsWith("Basic realm=\"halite\"");
        assertThat(JSON.readTree(anonymous.body()).path("error").asText()).contains("authentication required");
        RawHttp.Answer forbidden = call("127.0.0.1", status, "/status", RawHttp.basic("lacks-status", "pw-lacks-status"));
        assertThat(forbidden.headers()).doesNotContainKey("www-authenticate");
        assertThat(JSON.readTree(forbidden.body()).path("error").asText())
                .isEqualTo("user 'lacks-status' lacks the 'status' permission");
        RawHttp.Answer wrong = call("127.0.1.251", status, "/status", RawHttp.basic("has-status", "nope"));
        assertThat(JSON.readTree(wrong.body()).path("error").asText()).isEqualTo("invalid user name or password");
        assertThat(node.logTail()).contains("authentication failed from 127.0.1.251 for user 'has-status': wrong password")
                .doesNotContain("nope");
    }

    private static String begin(String authorization) throws Exception {
        RawHttp.Answer begun = RawHttp.send("127.0.0.1", node.baseUrl(), "POST", "/db/tx", authorization, null);
        assertThat(begun.status()).as("begin: %s", begun).isEqualTo(200);
        return JSON.readTree(begun.body()).path("tx").asText();
    }

    private static RawHttp.Answer call(String from, Row row, String path, String authorization) throws Exception {
        return RawHttp.send(from, node.baseUrl(), row.method, path, authorization, row.body);
    }

    private static void check(List<String> mismatches, Row row, String as, RawHttp.Answer answer, int expected) {
        if (answer.status() != expected) {
            mismatches.add(row.method + " " + row.path + " as " + as + ": expected " + expected + ", got " + answer
                    .status() + " " + answer.body().substring(0, Math.min(200, answer.body().length())));
        }
        if ((expected == 401 || expected == 403) && !answer.body().startsWith("{\"error\":")) {
            mismatches.add(row.method + " " + row.path + " as " + as + ": no JSON error body: " + answer.body());
        }
    }
}
