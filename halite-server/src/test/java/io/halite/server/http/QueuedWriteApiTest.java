package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.core.node.WriteQueue;
import io.halite.server.http.ApiTestServer.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** rqlite's queued writes ({@code POST /db/execute?queue}) on one real node. */
class QueuedWriteApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ApiTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ApiTestServer.start();
        assertThat(server.node().awaitReady(java.time.Duration.ofSeconds(30))).isTrue();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static String select(String sql) throws Exception {
        Reply r = server.get("/db/query?level=none&q=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body();
    }

    private static JsonNode queueStatus() throws Exception {
        return tree(server.get("/status").body()).path("http").path("queue").path("_default");
    }

    @Test
    void aThousandQueuedInsertsFromEightClientsAreAllAppliedInOrderPerClientAndWaitReturnsOnceTheyAreReadable()
            throws Exception {
        assertThat(server.postJson("/db/execute", "[\"CREATE TABLE q1 (id INTEGER PRIMARY KEY, client INTEGER, "
                + "n INTEGER)\"]").status()).isEqualTo(200);
        int clients = 8;
        int perClient = 125;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<long[]>> sent = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                sent.add(pool.submit(() -> {
                    long[] sequences = new long[perClient];
                    for (int n = 0; n < perClient; n++) {
                        boolean last = n == perClient - 1;
                        Reply r = server.postJson("/db/execute?queue" + (last ? "&wait" : ""),
                                "[[\"INSERT INTO q1(client, n) VALUES(?, ?)\", " + client + ", " + n + "]]");
                        assertThat(r.status()).as(r.toString()).isEqualTo(200);
                        JsonNode body = tree(r.body());
                        sequences[n] = body.path("sequence_number").asLong();
                        assertThat(r.body()).isEqualTo("{\"results\":[],\"sequence_number\":" + sequences[n] + "}");
                    }
                    // wait answered: everything this client queued is readable on this node, in the order sent
                    String expected = "{\"results\":[{\"columns\":[\"n\"],\"types\":[\"integer\"],\"values\":["
                            + String.join(",", IntStream.range(0, perClient).mapToObj(n -> "[" + n + "]").toList())
                            + "]}]}";
                    assertThat(select("SELECT n FROM q1 WHERE client = " + client + " ORDER BY id"))
                            .isEqualTo(expected);
                    return sequences;
                }));
            }
            long highest = 0;
            for (Future<long[]> f : sent) {
                long[] sequences = f.get();
                for (int i = 1; i < sequences.length; i++) {
                    assertThat(sequences[i]).as("sequence numbers grow").isGreaterThan(sequences[i - 1]);
                }
                highest = Math.max(highest, sequences[sequences.length - 1]);
            }
            assertThat(select("SELECT count(*), count(DISTINCT client * 1000 + n) FROM q1"))
                    .contains("\"values\":[[1000,1000]]");
            JsonNode queue = queueStatus();
            assertThat(queue.path("sequence_number").asLong()).isEqualTo(highest);
            assertThat(queue.path("waiting").asInt()).isZero();
            assertThat(queue.path("requests_applied").asLong()).isGreaterThanOrEqualTo(1000);
            assertThat(queue.path("max_size").asInt()).isEqualTo(WriteQueue.DEFAULT_CAPACITY);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingQueuedStatementIsLoggedAndCountedWhileItsNeighboursApply() throws Exception {
        assertThat(server.postJson("/db/execute", "[\"CREATE TABLE q2 (id INTEGER PRIMARY KEY, v TEXT)\", "
                + "\"INSERT INTO q2 VALUES(1, 'one')\"]").status()).isEqualTo(200);
        long failedBefore = queueStatus().path("statements_failed").asLong();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger queueLogger = (Logger) LoggerFactory.getLogger(WriteQueue.class);
        queueLogger.addAppender(log);
        try {
            Reply r = server.postJson("/db/execute?queue&wait&raft_index",
                    "[\"INSERT INTO q2 VALUES(1, 'again')\", \"INSERT INTO q2 VALUES(2, 'two')\"]");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonNode body = tree(r.body());
            assertThat(r.body()).isEqualTo("{\"results\":[],\"sequence_number\":" + body.path("sequence_number")
                    + ",\"raft_index\":" + body.path("raft_index") + "}");
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("queued write "
                    + body.path("sequence_number") + " failed: UNIQUE constraint failed: q2.id (statement: "
                    + "INSERT INTO q2 VALUES(1, 'again'))");
        } finally {
            queueLogger.detachAppender(log);
        }
        assertThat(queueStatus().path("statements_failed").asLong()).isEqualTo(failedBefore + 1);
        assertThat(select("SELECT id, v FROM q2 ORDER BY id")).isEqualTo("{\"results\":[{\"columns\":[\"id\",\"v\"],"
                + "\"types\":[\"integer\",\"text\"],\"values\":[[1,\"one\"],[2,\"two\"]]}]}");
    }

    @Test
    void queuedWritesThatCannotBeQueuedAreRefusedWithTheReason() throws Exception {
        String body = "[\"SELECT 1\"]";
        assertThat(server.postJson("/db/execute?queue&transaction", body).toString()).isEqualTo("400 {\"error\":\"a "
                + "queued write cannot be a transaction: queued requests are applied in batches, statement by "
                + "statement; drop queue or transaction\"}");
        assertThat(server.postJson("/db/execute?wait", body).toString())
                .isEqualTo("400 {\"error\":\"wait is for queued writes: use it together with queue\"}");
        assertThat(server.postJson("/db/execute?queue&tx=abc", body).toString()).isEqualTo("400 {\"error\":\"queue "
                + "cannot be used with tx: an interactive transaction's statements run at once\"}");
        assertThat(server.postJson("/db/execute?queue=yes", body).toString()).isEqualTo("400 {\"error\":\"invalid "
                + "value 'yes' for queue: use true or false, or give queue without a value\"}");
        assertThat(server.postJson("/db/execute?queue&wait&timeout=soon", body).toString()).isEqualTo("400 "
                + "{\"error\":\"timeout is not a valid duration: 'soon' (examples: 500ms, 2s, 1m)\"}");
        assertThat(server.postJson("/db/execute?queue", "[]").status()).isEqualTo(400);
        assertThat(server.postJson("/db/execute?queue=false", "[\"SELECT 1\"]").toString())
                .as("queue=false is a plain write").isEqualTo("200 {\"results\":[{\"columns\":[\"1\"],"
                        + "\"types\":[\"integer\"],\"values\":[[1]]}]}");
    }
}
