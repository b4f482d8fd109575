package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.http.ApiTestServer.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The HTTP transaction API on one real node: {@code POST /db/tx}, statements with {@code ?tx=}, commit and
 * rollback; isolation, the write gate other writers queue at, the idle timeout, and every error a client can
 * cause. Exact response bodies.
 */
class TransactionApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static ApiTestServer server;
    private String t;

    @BeforeAll
    static void startServer() throws Exception {
        server = ApiTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void freshTable(TestInfo info) throws Exception {
        t = "tx" + TABLES.incrementAndGet();
        assertThat(execute("", "[\"CREATE TABLE " + t + "(id INTEGER PRIMARY KEY, v TEXT,"
                + " at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()))\"]").status()).isEqualTo(200);
    }

    private static String q(String json) {
        return json.replace('\'', '"');
    }

    private static Reply execute(String query, String json) throws Exception {
        return server.postJson("/db/execute" + query, json);
    }

    private static Reply query(String query, String json) throws Exception {
        return server.postJson("/db/query" + query, json);
    }

    private static String begin(String query) throws Exception {
        Reply reply = server.postJson("/db/tx" + query, "");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.get("tx").asText()).matches("node1-[0-9a-f]{24}");
        assertThat(body.get("raft_index").asLong()).isEqualTo(server.node().database().appliedIndex());
        assertThat(body.size()).isEqualTo(2);
        return body.get("tx").asText();
    }

    private String rows(String level) throws Exception {
        return query("?level=" + level, q("['SELECT id, v FROM " + t + " ORDER BY id']")).body();
    }

    @Test
    void writesAreVisibleInsideOnlyUntilCommitThenEverywhereAsTheyWereSeen() throws Exception {
        String tx = begin("");
        assertThat(execute("?tx=" + tx, q("[['INSERT INTO " + t + "(id, v) VALUES (?, ?)', 1, 'one'],"
                + "['UPDATE " + t + " SET v = upper(v) WHERE id = 1']]")).body())
                .isEqualTo(q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':1,'rows_affected':1}]}"));
        String inside = query("?tx=" + tx, q("['SELECT id, v, at, r FROM " + t + "']")).body();
        assertThat(inside).startsWith(q("{'results':[{'columns':['id','v','at','r'],'types':['integer','text','text','integer'],'values':[[1,'ONE','"));
        assertThat(rows("none")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text']}]}"));
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text']}]}"));

        Reply commit = server.postJson("/db/tx/" + tx + "/commit", "");
        assertThat(commit.status()).isEqualTo(200);
        long index = JSON.readTree(commit.body()).get("raft_index").asLong();
        assertThat(commit.body()).isEqualTo("{\"raft_index\":" + index + "}");
        assertThat(query("?level=none&min_index=" + index, q("['SELECT id, v, at, r FROM " + t + "']")).body())
                .as("the committed row, time and random default included, is the one the transaction saw")
                .isEqualTo(inside);
    }

    @Test
    void statementsSentWithTheBeginRunInTheNewTransaction() throws Exception {
        Reply began = server.postJson("/db/tx?error_codes", q("[['INSERT INTO " + t + "(id, v) VALUES (?, ?)', 5, 'five'],"
                + "['SELECT id, v FROM " + t + "'], ['INSERT INTO " + t + "(id, v) VALUES (5, 5)']]"));
        assertThat(began.status()).isEqualTo(200);
        String tx = JSON.readTree(began.body()).get("tx").asText();
        long base = JSON.readTree(began.body()).get("raft_index").asLong();
        assertThat(began.body()).isEqualTo(q("{'tx':'" + tx + "','raft_index':" + base + ",'results':["
                + "{'last_insert_id':5,'rows_affected':1},"
                + "{'columns':['id','v'],'types':['integer','text'],'values':[[5,'five']]},"
                + "{'error':'UNIQUE constraint failed: " + t + ".id','error_code':19}]}"));
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text']}]}"));
        assertThat(server.postJson("/db/tx/" + tx + "/commit", "").status()).isEqualTo(200);
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text'],"
                + "'values':[[5,'five']]}]}"));
        assertThat(server.postJson("/db/tx", "[1]").toString()).as("a bad body begins nothing").isEqualTo(q(
                "400 {'error':'invalid request: statement 1 must be a SQL string or an array starting with a SQL string'}"));
        String next = begin("?timeout=1s");
        assertThat(server.postJson("/db/tx/" + next + "/rollback", "").status()).isEqualTo(200);
    }

    @Test
    void rollbackLeavesNothingAndTheTransactionIsGone() throws Exception {
        String tx = begin("?idle_timeout=5s&timeout=2s");
        assertThat(server.postJson("/db/request?tx=" + tx, q("[['INSERT INTO " + t + "(id, v) VALUES (7, ?)', 'x']]"))
                .status()).isEqualTo(200);
        Reply rollback = server.postJson("/db/tx/" + tx + "/rollback", "");
        assertThat(rollback.toString()).isEqualTo("200 {}");
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text']}]}"));
        assertThat(server.postJson("/db/tx/" + tx + "/commit", "").toString())
                .isEqualTo(q("404 {'error':'transaction " + tx + " has ended: it was rolled back'}"));
        assertThat(execute("?tx=" + tx, q("['DELETE FROM " + t + "']")).toString())
                .isEqualTo(q("404 {'error':'transaction " + tx + " has ended: it was rolled back'}"));
    }

    @Test
    void aTransactionThatWritesNothingCommitsWithoutALogEntry() throws Exception {
        String tx = begin("");
        assertThat(query("?tx=" + tx, q("['SELECT count(*) FROM " + t + "']")).body())
                .isEqualTo(q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
        assertThat(server.postJson("/db/tx/" + tx + "/commit", "").toString()).isEqualTo("200 {}");
    }

    @Test
    void otherWritersQueueBehindAnOpenTransactionAndGoAfterItsCommit() throws Exception {
        String tx = begin("");
        assertThat(execute("?tx=" + tx, q("[['INSERT INTO " + t + "(id, v) VALUES (1, ?)', 'tx']]")).status()).isEqualTo(200);
        CompletableFuture<Reply> queued = CompletableFuture.supplyAsync(() -> {
            try {
                return execute("?raft_index", q("[['INSERT INTO " + t + "(id, v) VALUES (2, ?)', 'queued']]"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(500);
        assertThat(queued).as("a write waits while the transaction holds the write gate").isNotDone();
        long commitIndex = JSON.readTree(server.postJson("/db/tx/" + tx + "/commit", "").body()).get("raft_index").asLong();
        Reply write = queued.get(10, TimeUnit.SECONDS);
        assertThat(write.status()).isEqualTo(200);
        assertThat(JSON.readTree(write.body()).get("raft_index").asLong()).isGreaterThan(commitIndex);
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text'],"
                + "'values':[[1,'tx'],[2,'queued']]}]}"));
    }

    @Test
    void transactionsTakeTurnsAndABeginGivesUpAfterItsTimeout() throws Exception {
        String first = begin("");
        assertThat(server.postJson("/db/tx?timeout=200ms", "").toString())
                .isEqualTo(q("503 {'error':'timed out after 200 ms waiting for another transaction to end'}"));
        CompletableFuture<Reply> second = CompletableFuture.supplyAsync(() -> {
            try {
                return server.postJson("/db/tx?timeout=10s", "");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        assertThat(second).isNotDone();
        assertThat(server.postJson("/db/tx/" + first + "/rollback", "").status()).isEqualTo(200);
        Reply began = second.get(10, TimeUnit.SECONDS);
        assertThat(began.status()).isEqualTo(200);
        assertThat(server.postJson("/db/tx/" + JSON.readTree(began.body()).get("tx").asText() + "/rollback", "")
                .status()).isEqualTo(200);
    }

    @Test
    void anIdleTransactionIsAbortedAndFreesTheWriteGate() throws Exception {
        String tx = begin("?idle_timeout=300ms");
        assertThat(execute("?tx=" + tx, q("[['INSERT INTO " + t + "(id, v) VALUES (1, ?)', 'lost']]")).status()).isEqualTo(200);
        Thread.sleep(1000);
        String aborted = q("409 {'error':'transaction " + tx + " was aborted: it was idle for longer than its idle "
                + "timeout of 300 ms'}");
        assertThat(execute("?tx=" + tx, q("['SELECT 1']")).toString()).isEqualTo(aborted);
        assertThat(server.postJson("/db/tx/" + tx + "/commit", "").toString()).isEqualTo(aborted);
        assertThat(execute("?timeout=2s", q("[['INSERT INTO " + t + "(id, v) VALUES (2, ?)', 'after']]")).status())
                .isEqualTo(200);
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text'],"
                + "'values':[[2,'after']]}]}"));
    }

    @Test
    void aFailedStatementKeepsTheTransactionButSqliteRollingItBackEndsIt() throws Exception {
        String tx = begin("");
        assertThat(execute("?tx=" + tx + "&error_codes", q("[['INSERT INTO " + t + "(id, v) VALUES (1, ?)', 'a'],"
                + "['INSERT INTO " + t + "(id, v) VALUES (1, ?)', 'dup'], ['SELEC 1']]")).body())
                .isEqualTo(q("{'results':[{'last_insert_id':1,'rows_affected':1},"
                        + "{'error':'UNIQUE constraint failed: " + t + ".id','error_code':19},"
                        + "{'error':'near \\'SELEC\\': syntax error','error_code':1}]}").replace("\\'", "\\\""));
        assertThat(query("?tx=" + tx, q("['INSERT INTO " + t + "(id, v) VALUES (3, 3)']")).body())
                .isEqualTo(q("{'results':[{'error':'attempt to change database via query operation'}]}"));
        assertThat(execute("?tx=" + tx, q("[['INSERT OR ROLLBACK INTO " + t + "(id, v) VALUES (1, ?)', 'again']]"))
                .toString()).isEqualTo(q("409 {'error':'transaction " + tx + " was aborted: SQLite rolled back the "
                        + "transaction: UNIQUE constraint failed: " + t + ".id'}"));
        assertThat(rows("weak")).isEqualTo(q("{'results':[{'columns':['id','v'],'types':['integer','text']}]}"));
    }

    @Test
    void badTransactionRequestsAreRefusedWithTheReason() throws Exception {
        assertThat(server.postJson("/db/tx/nope/commit", "").toString())
                .isEqualTo(q("404 {'error':'no open transaction has the id nope on this node'}"));
        assertThat(server.postJson("/db/tx/nope/rollback", "").toString())
                .isEqualTo(q("404 {'error':'no open transaction has the id nope on this node'}"));
        assertThat(execute("?tx=nope", q("['SELECT 1']")).toString())
                .isEqualTo(q("404 {'error':'no open transaction has the id nope on this node'}"));
        assertThat(server.postJson("/db/tx/nope/finish", "").toString()).isEqualTo(q(
                "404 {'error':'no such endpoint: /db/tx/nope/finish (use /db/tx/ID/commit or /db/tx/ID/rollback)'}"));
        assertThat(server.get("/db/tx").status()).isEqualTo(405);
        assertThat(server.postJson("/db/tx?idle_timeout=0s", "").toString())
                .isEqualTo(q("400 {'error':'idle_timeout must be more than 0 and at most 10m'}"));
        assertThat(server.postJson("/db/tx?idle_timeout=11m", "").toString())
                .isEqualTo(q("400 {'error':'idle_timeout must be more than 0 and at most 10m'}"));
        assertThat(query("?tx=abc&level=strong", q("['SELECT 1']")).toString()).isEqualTo(q("400 {'error':'level "
                + "cannot be used with tx: a transaction reads and writes on the leader, inside itself'}"));
        String tx = begin("");
        assertThat(execute("?tx=" + tx, "not json").status()).isEqualTo(400);
        assertThat(execute("?tx=" + tx, q("['SELECT 1']")).status()).as("a bad request leaves the transaction open")
                .isEqualTo(200);
        assertThat(server.postJson("/db/tx/" + tx + "/rollback", "").status()).isEqualTo(200);
    }
}
