package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL a loaded server and restart it: every acknowledged write must be there, and no transaction may be half
 * applied. Writes that were not acknowledged may or may not be there.
 */
class CrashSafetyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int WRITERS = 8;
    private static final int CYCLES = 2;
    private static final long LOAD_MILLIS = 3000;

    @TempDir
    Path dir;

    private ServerProcess server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void cleanUp() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** POST /db/execute; returns the parsed body if the whole request was acknowledged, else null. */
    static JsonNode executeAcknowledged(HttpClient http, String baseUrl, ArrayNode statements, boolean transaction) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(baseUrl + "/db/execute" + (transaction ? "?transaction" : "")))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(statements.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonNode body = JSON.readTree(response.body());
            if (body.has("error") || !body.path("results").isArray()
                    || body.path("results").size() != statements.size()) {
                return null;
            }
            for (JsonNode result : body.path("results")) {
                if (result.has("error")) {
                    return null;
                }
            }
            return body;
        } catch (Exception e) {
            return null; // connection refused or reset by the kill, timeout: outcome unknown
        }
    }

    static JsonNode query(HttpClient http, String baseUrl, String sql) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl
                        + "/db/query?level=strong&q=" + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("query %s: %s", sql, response.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(response.body()).path("results").path(0);
        assertThat(result.has("error")).as("query %s: %s", sql, response.body()).isFalse();
        return result;
    }

    /** A statement with positional parameters, for {@link #statements}. */
    record Sql(String sql, Object... params) {}

    static Sql sql(String sql, Object... params) {
        return new Sql(sql, params);
    }

    /** A request body: each element a plain SQL string or a {@link Sql} with parameters. */
    static ArrayNode statements(Object... sqlOrParameterized) {
        ArrayNode array = JSON.createArrayNode();
        for (Object s : sqlOrParameterized) {
            if (s instanceof String sql) {
                array.add(sql);
            } else {
                Sql statement = (Sql) s;
                ArrayNode parameterized = array.addArray();
                parameterized.add(statement.sql());
                for (Object p : statement.params()) {
                    if (p instanceof String v) {
                        parameterized.add(v);
                    } else if (p instanceof Long v) {
                        parameterized.add(v);
                    } else if (p instanceof Integer v) {
                        parameterized.add(v);
                    } else {
                        throw new IllegalArgumentException(String.valueOf(p));
                    }
                }
            }
        }
        return array;
    }

    /** What the writers sent and what the server acknowledged. */
    static final class Ledger {
        final Set<String> ackedSingles = ConcurrentHashMap.newKeySet();
        final Set<String> ackedGroups = ConcurrentHashMap.newKeySet();
        final AtomicLong sentSingles = new AtomicLong();
        final AtomicLong sentGroups = new AtomicLong();
        final AtomicLong unknown = new AtomicLong();
    }

    private List<Thread> startWriters(int cycle, Ledger ledger, AtomicBoolean stop) {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                String base = server.baseUrl();
                for (int seq = 0; !stop.get(); seq++) {
                    String key = "c" + cycle + "-w" + writer + "-" + seq;
                    boolean group = ThreadLocalRandom.current().nextInt(4) == 0;
                    JsonNode acked;
                    if (group) {
                        ledger.sentGroups.incrementAndGet();
                        acked = executeAcknowledged(http, base, statements(
                                sql("INSERT INTO t(k, grp, payload) VALUES (?, ?, randomblob(64))", key + "-a", key),
                                sql("INSERT INTO t(k, grp, payload) VALUES (?, ?, randomblob(64))", key + "-b", key),
                                sql("INSERT INTO t(k, grp, payload) VALUES (?, ?, randomblob(64))", key + "-c", key)),
                                true);
                        if (acked != null) {
                            ledger.ackedGroups.add(key);
                        }
                    } else {
                        ledger.sentSingles.incrementAndGet();
                        acked = executeAcknowledged(http, base, statements(
                                sql("INSERT INTO t(k, payload) VALUES (?, randomblob(64))", key)), false);
                        if (acked != null) {
                            ledger.ackedSingles.add(key);
                        }
                    }
                    if (acked == null) {
                        ledger.unknown.incrementAndGet();
                        try {
                            Thread.sleep(20); // the server is probably gone; do not spin
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "writer-" + w);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    @Test
    void acknowledgedWritesSurviveSigkill() throws Exception {
        server = ServerProcess.startIn(dir);
        assertThat(executeAcknowledged(http, server.baseUrl(), statements(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, grp TEXT, payload BLOB)",
                "CREATE INDEX t_grp ON t(grp)"), false)).as("create table").isNotNull();
        Ledger ledger = new Ledger();
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = startWriters(cycle, ledger, stop);
            long ackedBefore = ledger.ackedSingles.size() + ledger.ackedGroups.size();
            Thread.sleep(LOAD_MILLIS);
            long ackedAtKill = ledger.ackedSingles.size() + ledger.ackedGroups.size();
            server.kill9(); // mid-load: the writers are still sending
            Thread.sleep(200);
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
                assertThat(t.isAlive()).as("writer stuck").isFalse();
            }
            assertThat(ackedAtKill - ackedBefore).as("writes acknowledged in cycle %d", cycle).isPositive();

            server.start(); // same data dir and ports
            verify(cycle, ledger);
        }
        assertThat(ledger.ackedSingles).as("acknowledged single-row writes").isNotEmpty();
        assertThat(ledger.ackedGroups).as("acknowledged transactions").isNotEmpty();
        // The restarted node still takes writes and its content is sane.
        assertThat(executeAcknowledged(http, server.baseUrl(), statements(
                sql("INSERT INTO t(k) VALUES (?)", "after-restarts")), false)).isNotNull();
        JsonNode check = query(http, server.baseUrl(), "PRAGMA integrity_check");
        assertThat(check.path("values").path(0).path(0).asText()).isEqualTo("ok");
        assertThat(server.stop()).as("exit code after SIGTERM").isEqualTo(0);
        assertThat(server.logTail()).contains("shutting down").doesNotContain("error while shutting down");
    }

    private void verify(int cycle, Ledger ledger) throws Exception {
        JsonNode rows = query(http, server.baseUrl(), "SELECT k, grp FROM t");
        Set<String> present = new HashSet<>();
        Map<String, Integer> groupSizes = new HashMap<>();
        for (JsonNode row : rows.path("values")) {
            present.add(row.path(0).asText());
            if (!row.path(1).isNull()) {
                groupSizes.merge(row.path(1).asText(), 1, Integer::sum);
            }
        }
        Set<String> missingSingles = new HashSet<>();
        for (String key : ledger.ackedSingles) {
            if (!present.contains(key)) {
                missingSingles.add(key);
            }
        }
        Set<String> missingGroups = new HashSet<>();
        for (String key : ledger.ackedGroups) {
            if (groupSizes.getOrDefault(key, 0) != 3) {
                missingGroups.add(key);
            }
        }
        Map<String, Integer> partial = new HashMap<>();
        groupSizes.forEach((grp, n) -> {
            if (n != 3) {
                partial.put(grp, n);
            }
        });
        long unackedPresent = present.size() - ledger.ackedSingles.size() - 3L * ledger.ackedGroups.size()
                + missingSingles.size() + 3L * missingGroups.size();
        System.out.printf("cycle %d: sent singles=%d groups=%d; acknowledged singles=%d groups=%d; unknown outcome=%d;"
                        + " rows present=%d (unacknowledged but present rows=%d)%n",
                cycle, ledger.sentSingles.get(), ledger.sentGroups.get(), ledger.ackedSingles.size(),
                ledger.ackedGroups.size(), ledger.unknown.get(), present.size(), unackedPresent);
        assertThat(missingSingles).as("acknowledged single-row writes lost after SIGKILL (cycle %d)", cycle).isEmpty();
        assertThat(missingGroups).as("acknowledged transactions lost after SIGKILL (cycle %d)", cycle).isEmpty();
        assertThat(partial).as("transactions half applied (cycle %d)", cycle).isEmpty();
    }
}
