package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.http.ApiTestServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A statement string that holds several statements runs all of them, on every endpoint, as rqlite runs it: the
 * answer is the last statement's, a write anywhere makes the string a write, and a refused statement anywhere
 * refuses the string before any of it runs.
 */
class MultiStatementApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ApiTestServer server;

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

    private static String q(String json) {
        return json.replace('\'', '"');
    }

    private static String post(String path, String json) throws Exception {
        Reply reply = server.postJson(path, q(json));
        return reply.status() + " " + reply.body();
    }

    private static String count(String table) throws Exception {
        return post("/db/query?level=strong", "['SELECT count(*) AS n FROM " + table + "']");
    }

    @Test
    void theThreeEndpointsRunEveryStatementAndAnswerWithTheLastOnesResult() throws Exception {
        assertThat(post("/db/execute", "['CREATE TABLE t(x); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)']"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':2,'rows_affected':1}]}"));
        assertThat(count("t")).isEqualTo(q("200 {'results':[{'columns':['n'],'types':['integer'],'values':[[2]]}]}"));
        assertThat(post("/db/query", "['SELECT count(*) FROM t; SELECT 2']"))
                .isEqualTo(q("200 {'results':[{'columns':['2'],'types':['integer'],'values':[[2]]}]}"));
        assertThat(post("/db/request", "['INSERT INTO t VALUES(3); SELECT 5']"))
                .isEqualTo(q("200 {'results':[{'columns':['5'],'types':['integer'],'values':[[5]]}]}"));
        assertThat(post("/db/request", "['SELECT 5; INSERT INTO t VALUES(4)']"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':4,'rows_affected':1}]}"));
        assertThat(count("t")).isEqualTo(q("200 {'results':[{'columns':['n'],'types':['integer'],'values':[[4]]}]}"));
    }

    @Test
    void positionalValuesAreTakenInOrderAcrossTheStatements() throws Exception {
        post("/db/execute", "['CREATE TABLE p(x)']");
        assertThat(post("/db/execute", "[['INSERT INTO p VALUES(?); INSERT INTO p VALUES(?)', 1, 2]]"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':2,'rows_affected':1}]}"));
        assertThat(post("/db/query", "[['SELECT ? + 1; SELECT group_concat(x) AS xs FROM p WHERE x <= ?', 10, 2]]"))
                .isEqualTo(q("200 {'results':[{'columns':['xs'],'types':['text'],'values':[['1,2']]}]}"));
        assertThat(post("/db/execute", "[['INSERT INTO p VALUES(?); INSERT INTO p VALUES(?)', 3]]"))
                .isEqualTo(q("200 {'results':[{'error':'statement has 2 parameter(s) but 1 value(s) were given'}]}"));
        assertThat(post("/db/query?level=strong", "['SELECT group_concat(x) AS xs FROM p']"))
                .isEqualTo(q("200 {'results':[{'columns':['xs'],'types':['text'],'values':[['1,2']]}]}"));
    }

    @Test
    void aForbiddenStatementAfterAnAllowedOneIsRefusedAndNothingRuns() throws Exception {
        post("/db/execute", "['CREATE TABLE f(x)']");
        assertThat(post("/db/execute", "['INSERT INTO f VALUES(1); ATTACH \\'other.db\\' AS other']")).isEqualTo(q(
                "200 {'results':[{'error':'ATTACH and DETACH are not allowed: every replica must hold exactly one database file'}]}"));
        assertThat(post("/db/request", "['SELECT 1; PRAGMA writable_schema = 1; INSERT INTO f VALUES(2)']")).isEqualTo(q(
                "200 {'results':[{'error':'PRAGMA writable_schema is not allowed: it changes connection or file settings that Halite manages on every replica'}]}"));
        assertThat(post("/db/query", "['SELECT 1; INSERT INTO f VALUES(3)']"))
                .isEqualTo(q("200 {'results':[{'error':'attempt to change database via query operation'}]}"));
        assertThat(count("f")).isEqualTo(q("200 {'results':[{'columns':['n'],'types':['integer'],'values':[[0]]}]}"));
    }

    @Test
    void aTriggerBodyKeepsItsSemicolonsAndTrailingSemicolonsAndCommentsAddNothing() throws Exception {
        assertThat(post("/db/execute", "['CREATE TABLE g(x); CREATE TABLE glog(m);"
                + " CREATE TRIGGER gt AFTER INSERT ON g BEGIN"
                + "  INSERT INTO glog VALUES(CASE WHEN new.x > 1 THEN \\'many; really\\' ELSE \\'one\\' END);"
                + "  INSERT INTO glog VALUES(new.x);"
                + " END;"
                + " INSERT INTO g VALUES(2);; -- done\\n /* and done */ ']"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        assertThat(post("/db/query?level=strong", "['SELECT group_concat(m, \\'|\\') AS ms FROM glog']"))
                .isEqualTo(q("200 {'results':[{'columns':['ms'],'types':['text'],'values':[['many; really|2']]}]}"));
        assertThat(post("/db/execute", "['INSERT INTO g VALUES(1); -- only one statement']"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':2,'rows_affected':1}]}"));
    }

    @Test
    void aFailingStatementEndsTheStringAndATransactionRollsBackAllOfIt() throws Exception {
        post("/db/execute", "['CREATE TABLE u(x UNIQUE)']");
        assertThat(post("/db/execute", "['INSERT INTO u VALUES(1); INSERT INTO u VALUES(1); INSERT INTO u VALUES(2)']"))
                .isEqualTo(q("200 {'results':[{'error':'UNIQUE constraint failed: u.x'}]}"));
        assertThat(post("/db/execute?transaction", "['INSERT INTO u VALUES(3); INSERT INTO u VALUES(1)']"))
                .isEqualTo(q("200 {'results':[{'error':'UNIQUE constraint failed: u.x'}]}"));
        assertThat(post("/db/query?level=strong", "['SELECT group_concat(x) AS xs FROM u']"))
                .isEqualTo(q("200 {'results':[{'columns':['xs'],'types':['text'],'values':[['1']]}]}"));
    }

    @Test
    void interactiveTransactionsAndQueuedWritesRunEveryStatementToo() throws Exception {
        post("/db/execute", "['CREATE TABLE i(x)']");
        Reply began = server.postJson("/db/tx", "");
        String tx = JSON.readTree(began.body()).get("tx").asText();
        assertThat(post("/db/execute?tx=" + tx, "['INSERT INTO i VALUES(1); INSERT INTO i VALUES(random() % 1000)']"))
                .isEqualTo(q("200 {'results':[{'last_insert_id':2,'rows_affected':1}]}"));
        String inside = post("/db/query?tx=" + tx, "['SELECT 0; SELECT group_concat(x) AS xs FROM i']");
        assertThat(inside).startsWith(q("200 {'results':[{'columns':['xs'],'types':['text'],'values':[['1,"));
        assertThat(server.postJson("/db/tx/" + tx + "/commit", "").status()).isEqualTo(200);
        assertThat(post("/db/query?level=strong", "['SELECT 0; SELECT group_concat(x) AS xs FROM i']"))
                .as("the committed rows, random value included, are those the transaction saw").isEqualTo(inside);

        assertThat(server.postJson("/db/execute?queue&wait", q("['INSERT INTO i VALUES(3); INSERT INTO i VALUES(4)']"))
                .status()).isEqualTo(200);
        assertThat(count("i")).isEqualTo(q("200 {'results':[{'columns':['n'],'types':['integer'],'values':[[4]]}]}"));
    }
}
