package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.halite.server.http.ApiTestServer.Reply;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.sqlite.SQLiteConfig;

/**
 * The HTTP API of one real node, end to end: request body forms, parameter binding, the exact response JSON, the
 * errors a client can cause, and the status, backup and load endpoints. One server for the class; every test uses
 * its own tables.
 */
class HttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static ApiTestServer server;

    /** A fresh table name for the current test. */
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
    void freshTable(TestInfo info) {
        t = "t" + TABLES.incrementAndGet() + "_" + info.getTestMethod().orElseThrow().getName().toLowerCase();
    }

    // ------------------------------------------------------------------ helpers

    /** Single quotes in {@code json} stand for double quotes (for expected bodies without apostrophes). */
    private static String q(String json) {
        return json.replace('\'', '"');
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Reply execute(String json) throws Exception {
        return execute("", json);
    }

    private static Reply execute(String query, String json) throws Exception {
        return server.postJson("/db/execute" + query, json);
    }

    private static Reply query(String json) throws Exception {
        return server.postJson("/db/query", json);
    }

    /** Runs one SELECT with GET /db/query and returns the body, asserting HTTP 200. */
    private static String select(String sql) throws Exception {
        Reply r = server.get("/db/query?q=" + enc(sql));
        assertThat(r.status()).as("%s -> %s", sql, r).isEqualTo(200);
        return r.body();
    }

    /** Asserts the exact body text and a 200 JSON response. */
    private static void assertExact(Reply r, String expected) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).isEqualTo(expected);
    }

    /** Asserts a request-level error: exactly this status and this JSON body. */
    private static void assertExactError(Reply r, int status, String expectedBody) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).isEqualTo(expectedBody);
    }

    /** Asserts a JSON response equal to {@code expected} as a tree (key order ignored). */
    private static void assertJson(Reply r, String expected) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(200);
        assertThat(tree(r.body())).isEqualTo(tree(expected));
    }

    /** Asserts a request-level error: the status, a JSON {"error": "..."} body with no stack trace. */
    private static String assertError(Reply r, int status) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode body = tree(r.body());
        assertThat(body.isObject()).as(r.body()).isTrue();
        assertThat(body.size()).as(r.body()).isEqualTo(1);
        assertThat(body.get("error")).as(r.body()).isNotNull();
        assertThat(body.get("error").isTextual()).isTrue();
        String message = body.get("error").textValue();
        assertThat(message).isNotBlank();
        assertNoStackTrace(r.body());
        return message;
    }

    private static void assertNoStackTrace(String body) {
        assertThat(body).doesNotContain("at io.", "at java.", "at org.", "Exception", "\tat ");
    }

    /** The only result of a response {"results":[...]} that has exactly one. */
    private static JsonNode onlyResult(Reply r) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(200);
        JsonNode results = tree(r.body()).get("results");
        assertThat(results).as(r.body()).hasSize(1);
        return results.get(0);
    }

    /** Removes every "time" key (asserting it is a number), at the top level and in each result. */
    private static JsonNode stripTimes(JsonNode body) {
        ObjectNode copy = body.deepCopy();
        assertThat(copy.get("time")).as("top-level time in %s", body).isNotNull();
        assertThat(copy.get("time").isNumber()).isTrue();
        assertThat(copy.get("time").doubleValue()).isGreaterThanOrEqualTo(0);
        copy.remove("time");
        for (JsonNode result : copy.get("results")) {
            assertThat(result.get("time")).as("result time in %s", body).isNotNull();
            assertThat(result.get("time").isNumber()).isTrue();
            assertThat(result.get("time").doubleValue()).isGreaterThanOrEqualTo(0);
            ((ObjectNode) result).remove("time");
        }
        return copy;
    }

    private void createNameTable() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, name TEXT)']")),
                q("{'results':[{}]}"));
    }

    // ------------------------------------------------------------------ body forms

    @Test
    void arrayOfStrings() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, name TEXT)', "
                        + "'INSERT INTO " + t + "(name) VALUES(\\'fiona\\')', "
                        + "'INSERT INTO " + t + "(name) VALUES(\\'declan\\')']")),
                q("{'results':[{},{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1}]}"));
        assertThat(select("SELECT id, name FROM " + t + " ORDER BY id")).isEqualTo(
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'fiona'],[2,'declan']]}]}"));
    }

    @Test
    void positionalParameters() throws Exception {
        createNameTable();
        assertExact(execute(q("[['INSERT INTO " + t + "(id, name) VALUES(?, ?)', 7, 'fiona']]")),
                q("{'results':[{'last_insert_id':7,'rows_affected':1}]}"));
        assertExact(query(q("[['SELECT name FROM " + t + " WHERE id = ?', 7]]")),
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['fiona']]}]}"));
    }

    @Test
    void namedParametersWithEveryPrefix() throws Exception {
        createNameTable();
        assertExact(execute(q("["
                        + "['INSERT INTO " + t + "(id, name) VALUES(:id, :name)', {'id': 1, 'name': 'colon'}],"
                        + "['INSERT INTO " + t + "(id, name) VALUES(@id, @name)', {'name': 'at', 'id': 2}],"
                        + "['INSERT INTO " + t + "(id, name) VALUES($id, $name)', {'id': 3, 'name': 'dollar'}]"
                        + "]")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'last_insert_id':3,'rows_affected':1}]}"));
        assertExact(query(q("[['SELECT id, name FROM " + t + " WHERE id >= :low ORDER BY id', {'low': 2}]]")),
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[2,'at'],[3,'dollar']]}]}"));
    }

    @Test
    void stringAndArrayElementsMixed() throws Exception {
        createNameTable();
        assertExact(execute(q("['INSERT INTO " + t + "(id, name) VALUES(1, \\'plain\\')', "
                        + "['INSERT INTO " + t + "(id, name) VALUES(?, ?)', 2, 'param'], "
                        + "['INSERT INTO " + t + "(id, name) VALUES(3, \\'no params\\')']]")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'last_insert_id':3,'rows_affected':1}]}"));
        assertExact(query(q("['SELECT count(*) FROM " + t + "', ['SELECT name FROM " + t + " WHERE id = ?', 2]]")),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[3]]},"
                        + "{'columns':['name'],'types':['text'],'values':[['param']]}]}"));
    }

    @Test
    void plainTextBodiesAndGetQuery() throws Exception {
        createNameTable();
        assertExact(server.post("/db/execute", "text/plain", "INSERT INTO " + t + "(name) VALUES('from text')"),
                q("{'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        assertExact(server.post("/db/execute", "text/plain; charset=utf-8",
                        "INSERT INTO " + t + "(name) VALUES('[not json]')"),
                q("{'results':[{'last_insert_id':2,'rows_affected':1}]}"));
        String expected = q("{'results':[{'columns':['id','name'],'types':['integer','text'],"
                + "'values':[[1,'from text'],[2,'[not json]']]}]}");
        assertExact(server.post("/db/query", "text/plain", "SELECT id, name FROM " + t + " ORDER BY id"), expected);
        assertExact(server.get("/db/query?q=" + enc("SELECT id, name FROM " + t + " ORDER BY id")), expected);
    }

    // ------------------------------------------------------------------ parameter types

    @Test
    void everyParameterTypeIsStoredAsSqliteStoresIt() throws Exception {
        assertExact(execute("[\"CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v)\"]"), q("{'results':[{}]}"));
        String text = "h\u00e9llo \"w\u00f6rld\" 'x' \\ \u65e5\u672c \ud83d\ude00";
        String textJson = JSON.writeValueAsString(text);
        Reply r = execute("[[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 1, 42],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 2, 9223372036854775807],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 3, -9223372036854775808],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 4, 3.25],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 5, " + textJson + "],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 6, true],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 7, false],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 8, null],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 9, [0, 1, 127, 128, 255]],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 10, []],"
                + "[\"INSERT INTO " + t + "(id, v) VALUES(?, ?)\", 11, -1.5e-7]]");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(tree(r.body()).get("results")).hasSize(11).allSatisfy(
                result -> assertThat(result.get("rows_affected").asLong()).as(r.body()).isEqualTo(1));

        Reply rows = query("[\"SELECT id, typeof(v) AS type, v FROM " + t + " ORDER BY id\"]");
        String expectedRows = "{\"results\":[{\"columns\":[\"id\",\"type\",\"v\"],\"types\":[\"integer\",\"text\",\"%s\"],"
                + "\"values\":[[1,\"integer\",42],[2,\"integer\",9223372036854775807],[3,\"integer\",-9223372036854775808],"
                + "[4,\"real\",3.25],[5,\"text\"," + textJson + "],[6,\"integer\",1],[7,\"integer\",0],[8,\"null\",null],"
                + "[9,\"blob\",\"AAF/gP8=\"],[10,\"blob\",\"\"],[11,\"real\",-1.5E-7]]}]}";
        JsonNode got = tree(rows.body());
        // v has no declared type: rqlite names it from the first row's value
        assertThat(got.at("/results/0/types/2").asText()).isEqualTo("integer");
        assertJson(rows, String.format(expectedRows, "integer"));

        Reply asArrays = server.postJson("/db/query?blob_array",
                "[\"SELECT v FROM " + t + " WHERE id IN (9, 10) ORDER BY id\"]");
        assertExact(asArrays, q("{'results':[{'columns':['v'],'types':['blob'],'values':[[[0,1,127,128,255]],[[]]]}]}"));
    }

    @Test
    void integerBeyondInt64BindsAsReal() throws Exception {
        assertExact(execute("[\"CREATE TABLE " + t + " (v)\"]"), q("{'results':[{}]}"));
        assertThat(onlyResult(execute("[[\"INSERT INTO " + t + "(v) VALUES(?)\", 9223372036854775808]]"))
                .get("rows_affected").asInt()).isEqualTo(1);
        JsonNode row = onlyResult(query("[\"SELECT typeof(v), v FROM " + t + "\"]")).at("/values/0");
        assertThat(row.get(0).asText()).isEqualTo("real");
        assertThat(row.get(1).doubleValue()).isEqualTo(9.223372036854775808E18);
    }

    @Test
    void blobColumnsReadBackAsBase64OrArrays() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, data BLOB)']")), q("{'results':[{}]}"));
        assertExact(execute(q("[['INSERT INTO " + t + "(id, data) VALUES(?, ?)', 1, [222, 173, 190, 239]],"
                        + "['INSERT INTO " + t + "(id, data) VALUES(2, \\'fiona\\')']]")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1}]}"));
        String sql = "SELECT data FROM " + t + " ORDER BY id";
        assertExact(server.get("/db/query?q=" + enc(sql)),
                q("{'results':[{'columns':['data'],'types':['blob'],'values':[['3q2+7w=='],['fiona']]}]}"));
        assertExact(server.get("/db/query?blob_array&q=" + enc(sql)),
                q("{'results':[{'columns':['data'],'types':['blob'],'values':[[[222,173,190,239]],['fiona']]}]}"));
        assertExact(server.get("/db/query?blob_array=true&q=" + enc(sql)),
                q("{'results':[{'columns':['data'],'types':['blob'],'values':[[[222,173,190,239]],['fiona']]}]}"));
    }

    @Test
    void blobParameterOutOfRangeIsRefused() throws Exception {
        createNameTable();
        for (String blob : List.of("[256]", "[-1]", "[1.5]", "[\"a\"]", "[[1]]")) {
            Reply r = execute("[[\"INSERT INTO " + t + "(name) VALUES(?)\", " + blob + "]]");
            assertThat(assertError(r, 400)).as(blob).contains("blob");
        }
        assertThat(select("SELECT count(*) FROM " + t)).contains("\"values\":[[0]]");
    }

    // ------------------------------------------------------------------ responses

    @Test
    void executeResultsOmitZeroValues() throws Exception {
        createNameTable();
        assertExact(execute(q("['INSERT INTO " + t + "(name) VALUES(\\'a\\'), (\\'b\\'), (\\'c\\')']")),
                q("{'results':[{'last_insert_id':3,'rows_affected':3}]}"));
        assertExact(execute(q("['UPDATE " + t + " SET name = \\'B\\' WHERE id = 2']")),
                q("{'results':[{'rows_affected':1}]}"));
        assertExact(execute(q("['DELETE FROM " + t + " WHERE id = 99']")), q("{'results':[{}]}"));
        assertExact(execute(q("['CREATE INDEX " + t + "_name ON " + t + "(name)']")), q("{'results':[{}]}"));
        assertExact(execute(q("['UPDATE " + t + " SET name = upper(name)']")), q("{'results':[{'rows_affected':3}]}"));
    }

    /** Like rqlite, the whole declared type, lower-cased, size included: varchar(255). */
    @Test
    void declaredTypeKeepsItsSize() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (a VARCHAR(255), b DECIMAL(10, 2), c NVARCHAR(20))']")),
                q("{'results':[{}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT * FROM " + t)),
                q("{'results':[{'columns':['a','b','c'],'types':['varchar(255)','decimal(10, 2)','nvarchar(20)']}]}"));
    }

    @Test
    void queryColumnsAndTypes() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (a INTEGER, b VARCHAR, c Real, d BLOB, e NUMERIC, "
                        + "f Text, g INT)']")), q("{'results':[{}]}"));
        String sql = "SELECT * FROM " + t;
        assertExact(server.get("/db/query?q=" + enc(sql)),
                q("{'results':[{'columns':['a','b','c','d','e','f','g'],"
                        + "'types':['integer','varchar','real','blob','numeric','text','int']}]}"));
        assertExact(execute(q("['INSERT INTO " + t + " VALUES(1, \\'x\\', 2.5, NULL, 10, \\'y\\', 3)']")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        assertExact(server.get("/db/query?q=" + enc(sql)),
                q("{'results':[{'columns':['a','b','c','d','e','f','g'],"
                        + "'types':['integer','varchar','real','blob','numeric','text','int'],"
                        + "'values':[[1,'x',2.5,null,10,'y',3]]}]}"));
    }

    @Test
    void expressionColumnsAreTypedFromTheirValues() throws Exception {
        createNameTable();
        assertExact(server.get("/db/query?q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT 1 + 1 AS two, 'a' || 'b' AS ab, 0.5 AS half, NULL AS nil")),
                q("{'results':[{'columns':['two','ab','half','nil'],'types':['integer','text','real',''],"
                        + "'values':[[2,'ab',0.5,null]]}]}"));
    }

    /**
     * Columns without a declared type are typed from the first row's value as rqlite names it: a REAL is "real"
     * (not sqlite-jdbc's "float") and a NULL first row gives "" (not "numeric").
     */
    @Test
    void undeclaredColumnTypeComesFromTheFirstRow() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (a, b, c)', "
                        + "'INSERT INTO " + t + " VALUES(1, \\'x\\', 1.5)']")),
                q("{'results':[{},{'last_insert_id':1,'rows_affected':1}]}"));
        // rqlite fills the type in from the first row only: NULL there leaves ""
        assertExact(execute(q("['CREATE TABLE " + t + "_n (a, b)', 'INSERT INTO " + t + "_n VALUES(NULL, 1)',"
                        + " 'INSERT INTO " + t + "_n VALUES(2, 3)']")),
                q("{'results':[{},{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1}]}"));
        Reply values = server.get("/db/query?q=" + enc("SELECT a, b, c FROM " + t));
        Reply nullFirst = server.get("/db/query?q=" + enc("SELECT a, b FROM " + t + "_n ORDER BY rowid"));
        assertThat(List.of(values.body(), nullFirst.body())).containsExactly(
                q("{'results':[{'columns':['a','b','c'],'types':['integer','text','real'],'values':[[1,'x',1.5]]}]}"),
                q("{'results':[{'columns':['a','b'],'types':['','integer'],'values':[[null,1],[2,3]]}]}"));
    }

    @Test
    void queryWithNoRowsHasNoValuesKey() throws Exception {
        createNameTable();
        assertExact(server.get("/db/query?q=" + enc("SELECT * FROM " + t)),
                q("{'results':[{'columns':['id','name'],'types':['integer','text']}]}"));
    }

    @Test
    void associativeForm() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'fiona\\')', 'INSERT INTO " + t + "(name) VALUES(null)']"));
        assertJson(server.get("/db/query?associative&q=" + enc("SELECT * FROM " + t + " ORDER BY id")),
                q("{'results':[{'types':{'id':'integer','name':'text'},"
                        + "'rows':[{'id':1,'name':'fiona'},{'id':2,'name':null}]}]}"));
        assertJson(server.get("/db/query?associative&q=" + enc("SELECT * FROM " + t + " WHERE id > 5")),
                q("{'results':[{'types':{'id':'integer','name':'text'},'rows':[]}]}"));
        JsonNode write = onlyResult(execute("?associative", q("['INSERT INTO " + t + "(id, name) VALUES(9, \\'x\\')']")));
        assertThat(write.get("last_insert_id").asLong()).isEqualTo(9);
        assertThat(write.get("rows_affected").asLong()).isEqualTo(1);
    }

    @Test
    void returningInExecuteGivesRows() throws Exception {
        createNameTable();
        assertExact(execute(q("[['INSERT INTO " + t + "(name) VALUES(?) RETURNING id, name', 'zoe'],"
                        + "'INSERT INTO " + t + "(name) VALUES(\\'will\\')',"
                        + "'UPDATE " + t + " SET name = upper(name) RETURNING *',"
                        + "'DELETE FROM " + t + " WHERE id = 42 RETURNING id']")),
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'zoe']]},"
                        + "{'last_insert_id':2,'rows_affected':1},"
                        + "{'columns':['id','name'],'types':['integer','text'],'values':[[1,'ZOE'],[2,'WILL']]},"
                        + "{'columns':['id'],'types':['integer']}]}"));
        assertJson(execute("?associative", q("['INSERT INTO " + t + "(name) VALUES(\\'ann\\') RETURNING name']")),
                q("{'results':[{'types':{'name':'text'},'rows':[{'name':'ann'}]}]}"));
        assertThat(select("SELECT count(*) FROM " + t)).contains("\"values\":[[3]]");
    }

    @Test
    void unifiedRequestMixesReadsAndWrites() throws Exception {
        createNameTable();
        assertExact(server.postJson("/db/request", q("['INSERT INTO " + t + "(name) VALUES(\\'fiona\\')',"
                        + "'SELECT id, name FROM " + t + "',"
                        + "['INSERT INTO " + t + "(name) VALUES(?)', 'sinead'],"
                        + "'SELECT count(*) FROM " + t + "',"
                        + "'SELECT * FROM nosuch_" + t + "']")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},"
                        + "{'columns':['id','name'],'types':['integer','text'],'values':[[1,'fiona']]},"
                        + "{'last_insert_id':2,'rows_affected':1},"
                        + "{'columns':['count(*)'],'types':['integer'],'values':[[2]]},"
                        + "{'error':'no such table: nosuch_" + t + "'}]}"));
        // read-only requests too
        assertExact(server.postJson("/db/request", q("['SELECT name FROM " + t + " ORDER BY id']")),
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['fiona'],['sinead']]}]}"));
        assertJson(server.postJson("/db/request?associative", q("['SELECT name FROM " + t + " WHERE id = 2']")),
                q("{'results':[{'types':{'name':'text'},'rows':[{'name':'sinead'}]}]}"));
    }

    @Test
    void writesReportIncreasingRaftIndex() throws Exception {
        createNameTable();
        Reply first = execute("?raft_index", q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')']"));
        Reply second = execute("?raft_index", q("['INSERT INTO " + t + "(name) VALUES(\\'b\\')']"));
        JsonNode a = tree(first.body());
        JsonNode b = tree(second.body());
        assertThat(a.get("raft_index").isIntegralNumber()).as(first.body()).isTrue();
        assertThat(a.get("raft_index").asLong()).isPositive();
        assertThat(b.get("raft_index").asLong()).isGreaterThan(a.get("raft_index").asLong());
        assertThat(first.body()).isEqualTo(q("{'results':[{'last_insert_id':1,'rows_affected':1}],'raft_index':"
                + a.get("raft_index").asLong() + "}"));
        Reply unified = server.postJson("/db/request?raft_index", q("['INSERT INTO " + t + "(name) VALUES(\\'c\\')']"));
        assertThat(tree(unified.body()).get("raft_index").asLong()).isGreaterThan(b.get("raft_index").asLong());
        // without the parameter there is no raft_index
        assertExact(execute(q("['INSERT INTO " + t + "(name) VALUES(\\'d\\')']")),
                q("{'results':[{'last_insert_id':4,'rows_affected':1}]}"));
        // a weak read has none even when asked
        assertExact(server.get("/db/query?raft_index&q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[4]]}]}"));
    }

    @Test
    void prettyOutputIsIndentedWithFourSpaces() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'fiona\\')']"));
        Reply r = server.get("/db/query?pretty&q=" + enc("SELECT id, name FROM " + t));
        assertThat(r.status()).isEqualTo(200);
        assertThat(tree(r.body())).isEqualTo(tree(
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'fiona']]}]}")));
        List<String> lines = r.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo("{");
        assertThat(lines.get(1)).startsWith("    \"results\"");
        assertThat(lines.get(2)).startsWith("        {");
        assertThat(lines.get(3)).startsWith("            \"columns\"");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("}");
        for (String line : lines) {
            int indent = line.length() - line.stripLeading().length();
            assertThat(indent % 4).as("indentation of '%s'", line).isZero();
            assertThat(line).doesNotStartWith("\t");
        }
        Reply write = execute("?pretty", q("['INSERT INTO " + t + "(name) VALUES(\\'x\\')']"));
        assertThat(write.body()).contains("\n    ");
        assertThat(tree(write.body())).isEqualTo(tree(q("{'results':[{'last_insert_id':2,'rows_affected':1}]}")));
    }

    /** rqlite pretty-prints with Go's json.MarshalIndent(resp, "", "    "): exactly this text. */
    @Test
    void prettyOutputMatchesRqliteByteForByte() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'fiona\\')']"));
        Reply r = server.get("/db/query?pretty&q=" + enc("SELECT id, name FROM " + t));
        assertThat(r.body()).isEqualTo(String.join("\n",
                "{",
                "    \"results\": [",
                "        {",
                "            \"columns\": [",
                "                \"id\",",
                "                \"name\"",
                "            ],",
                "            \"types\": [",
                "                \"integer\",",
                "                \"text\"",
                "            ],",
                "            \"values\": [",
                "                [",
                "                    1,",
                "                    \"fiona\"",
                "                ]",
                "            ]",
                "        }",
                "    ]",
                "}"));
        Reply empty = execute("?pretty", q("['DELETE FROM " + t + " WHERE id = 99']"));
        assertThat(empty.body()).isEqualTo("{\n    \"results\": [\n        {}\n    ]\n}");
    }

    @Test
    void timingsAddTimeEverywhere() throws Exception {
        createNameTable();
        Reply write = execute("?timings", q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')', 'SELEKT 1']"));
        assertThat(stripTimes(tree(write.body()))).isEqualTo(tree(
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'error':'near \\'SELEKT\\': syntax error'}]}")
                        .replace("\\'", "\\\"")));
        Reply read = server.get("/db/query?timings&q=" + enc("SELECT name FROM " + t));
        assertThat(stripTimes(tree(read.body()))).isEqualTo(tree(
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['a']]}]}")));
        Reply unified = server.postJson("/db/request?timings", q("['SELECT name FROM " + t + "']"));
        assertThat(stripTimes(tree(unified.body()))).isEqualTo(tree(
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['a']]}]}")));
        // and none without the parameter
        assertThat(select("SELECT name FROM " + t)).doesNotContain("\"time\"");
    }

    // ------------------------------------------------------------------ statement errors

    @Test
    void syntaxErrorIsReportedInItsResult() throws Exception {
        assertExact(execute("[\"SELEKT 1\"]"), "{\"results\":[{\"error\":\"near \\\"SELEKT\\\": syntax error\"}]}");
        assertExact(query("[\"SELEKT 1\"]"), "{\"results\":[{\"error\":\"near \\\"SELEKT\\\": syntax error\"}]}");
        assertExact(query("[\"SELECT * FROM nosuch_" + t + "\"]"),
                "{\"results\":[{\"error\":\"no such table: nosuch_" + t + "\"}]}");
    }

    @Test
    void writeSentToQueryIsRefused() throws Exception {
        createNameTable();
        String expected = q("{'results':[{'error':'attempt to change database via query operation'}]}");
        assertExact(query(q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')']")), expected);
        assertExact(server.get("/db/query?q=" + enc("DELETE FROM " + t)), expected);
        assertExact(server.post("/db/query", "text/plain", "DROP TABLE " + t), expected);
        assertExact(query(q("['CREATE TABLE " + t + "_other (x)']")), expected);
        assertExact(server.get("/db/query?q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
        assertThat(select("SELECT name FROM sqlite_master WHERE name = '" + t + "_other'")).doesNotContain("values");
    }

    @Test
    void transactionStopsAtTheFailingStatementAndAppliesNothing() throws Exception {
        createNameTable();
        String body = q("['INSERT INTO " + t + "(id, name) VALUES(1, \\'a\\')',"
                + "'INSERT INTO " + t + "(id, name) VALUES(2, \\'b\\')',"
                + "'INSERT INTO " + t + "(id, name) VALUES(1, \\'duplicate\\')',"
                + "'INSERT INTO " + t + "(id, name) VALUES(4, \\'d\\')']");
        assertExact(execute("?transaction", body),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'error':'UNIQUE constraint failed: " + t + ".id'}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
        // the same through /db/request
        assertExact(server.postJson("/db/request?transaction", body),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'error':'UNIQUE constraint failed: " + t + ".id'}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
        // without transaction every statement runs
        assertExact(execute(body),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'error':'UNIQUE constraint failed: " + t + ".id'},{'last_insert_id':4,'rows_affected':1}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT id, name FROM " + t + " ORDER BY id")),
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'a'],[2,'b'],[4,'d']]}]}"));
    }

    @Test
    void transactionWithDdlRollsBackTheSchemaToo() throws Exception {
        assertExact(execute("?transaction", q("['CREATE TABLE " + t + " (x)', 'INSERT INTO " + t + " VALUES(1)',"
                        + " 'INSERT INTO nosuch_" + t + " VALUES(1)']")),
                q("{'results':[{},{'last_insert_id':1,'rows_affected':1},{'error':'no such table: nosuch_" + t + "'}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT name FROM sqlite_master WHERE name = '" + t + "'")),
                q("{'results':[{'columns':['name'],'types':['text']}]}"));
    }

    // ------------------------------------------------------------------ request errors

    @Test
    void malformedBodiesAre400() throws Exception {
        for (String path : List.of("/db/execute", "/db/query", "/db/request")) {
            assertThat(assertError(server.postJson(path, "[\"SELECT 1\""), 400)).as(path).contains("invalid JSON");
            assertThat(assertError(server.postJson(path, "{not json"), 400)).as(path).contains("invalid JSON");
            assertError(server.postJson(path, ""), 400);
            assertThat(assertError(server.postJson(path, "{\"sql\": \"SELECT 1\"}"), 400)).as(path).contains("array");
            assertError(server.postJson(path, "\"SELECT 1\""), 400);
            assertError(server.postJson(path, "1"), 400);
            assertThat(assertError(server.postJson(path, "[]"), 400)).as(path).isEqualTo("no statements");
            assertError(server.postJson(path, "[[1]]"), 400);
            assertError(server.postJson(path, "[[]]"), 400);
            assertError(server.postJson(path, "[1]"), 400);
            assertError(server.postJson(path, "[null]"), 400);
            assertThat(assertError(server.postJson(path, "[[\"SELECT :a\", {\"a\": {\"b\": 1}}]]"), 400))
                    .as(path).contains("unsupported type");
            assertError(server.postJson(path, "[[\"SELECT ?\", {\"a\": [1, {\"b\": 1}]}]]"), 400);
        }
    }

    @Test
    void unknownPathIs404() throws Exception {
        assertThat(assertError(server.get("/db/nothing"), 404)).contains("/db/nothing");
        assertError(server.get("/"), 404);
        assertError(server.postJson("/db/executes", "[\"SELECT 1\"]"), 404);
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        Reply r = server.get("/db/execute");
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("POST");
        r = server.send("DELETE", "/db/query", null, (byte[]) null);
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("GET, POST");
        r = server.send("PUT", "/db/request", "application/json", "[\"SELECT 1\"]".getBytes(StandardCharsets.UTF_8));
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("POST");
        r = server.postJson("/status", "{}");
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("GET");
        r = server.get("/db/load");
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("POST");
        r = server.postJson("/db/backup", "");
        assertError(r, 405);
        assertThat(r.header("Allow")).isEqualTo("GET");
    }

    @Test
    void dateAndBooleanColumnsAreAnsweredAsRqliteRendersThemAndStoredValuesGivesThemRaw() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, d DATE, dt DATETIME, "
                + "ts TIMESTAMP, b BOOLEAN, x TEXT)']")), q("{'results':[{}]}"));
        assertExact(execute(q("[['INSERT INTO " + t + " VALUES(1, ?, ?, ?, ?, ?)', '2024-03-05', "
                + "'2024-03-05 14:30:00.120', 1709649000123, 1, '2024-03-05'],"
                + "['INSERT INTO " + t + " VALUES(2, ?, ?, ?, ?, ?)', 'garbage', '2024-03-05T14:30:00+02:00', "
                + "1709649000, 0, null],"
                + "['INSERT INTO " + t + " VALUES(3, null, 1709649000.5, datetime(0, \\'unixepoch\\'), 7, 1)']]")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1},{'last_insert_id':2,'rows_affected':1},"
                        + "{'last_insert_id':3,'rows_affected':1}]}"));
        String sel = enc("SELECT * FROM " + t + " ORDER BY id");
        String types = "'columns':['id','d','dt','ts','b','x'],'types':['integer','date','datetime','timestamp',"
                + "'boolean','text']";
        assertExact(server.get("/db/query?q=" + sel), q("{'results':[{" + types + ",'values':["
                + "[1,'2024-03-05T00:00:00Z','2024-03-05T14:30:00.12Z','2024-03-05T14:30:00.123Z',true,'2024-03-05'],"
                + "[2,'0001-01-01T00:00:00Z','2024-03-05T14:30:00+02:00','2024-03-05T14:30:00Z',false,null],"
                + "[3,null,1.7096490005E9,'1970-01-01T00:00:00Z',true,'1']]}]}"));
        assertExact(server.get("/db/query?stored_values&q=" + sel), q("{'results':[{" + types + ",'values':["
                + "[1,'2024-03-05','2024-03-05 14:30:00.120',1709649000123,1,'2024-03-05'],"
                + "[2,'garbage','2024-03-05T14:30:00+02:00',1709649000,0,null],"
                + "[3,null,1.7096490005E9,'1970-01-01 00:00:00',7,'1']]}]}"));
        assertExact(server.postJson("/db/query?associative", q("['SELECT ts, b FROM " + t + " WHERE id = 2']")),
                q("{'results':[{'types':{'ts':'timestamp','b':'boolean'},'rows':[{'ts':'2024-03-05T14:30:00Z',"
                        + "'b':false}]}]}"));
        // A write with RETURNING is rendered the same way; a time RFC 3339 cannot hold fails its statement.
        assertExact(execute(q("['UPDATE " + t + " SET ts = 1000000000000 WHERE id = 3 RETURNING id, b']")),
                q("{'results':[{'columns':['id','b'],'types':['integer','boolean'],'values':[[3,true]]}]}"));
        assertExact(server.get("/db/query?q=" + enc("SELECT ts FROM " + t + " WHERE id = 3")),
                q("{'results':[{'error':'cannot render a time value as RFC 3339: year outside of range [0,9999]'}]}"));
    }

    @Test
    void aRequestCarryingAnUnknownParameterIsServedAsWithoutIt() throws Exception {
        createNameTable();
        assertExact(execute("?foo=1&raft_index=false", q("[['INSERT INTO " + t + "(name) VALUES(?)', 'a']]")),
                q("{'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        String sel = enc("SELECT id, name FROM " + t);
        String expected = q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'a']]}]}");
        assertExact(server.get("/db/query?q=" + sel), expected);
        assertExact(server.get("/db/query?foo=1&q=" + sel), expected);
        assertExact(server.get("/db/query?atomic=true&foo&foo=2&q=" + sel), expected);
        // rqlite-js's statusAllHosts sends these
        Reply status = server.get("/status?activeHostIndex=0&q%5BuseLeader%5D=true");
        assertThat(status.status()).isEqualTo(200);
        JsonNode withExtras = tree(status.body());
        JsonNode plain = tree(server.get("/status").body());
        assertThat(withExtras.fieldNames()).toIterable().containsExactlyElementsOf(() -> plain.fieldNames());
        assertThat(withExtras.path("store")).isEqualTo(plain.path("store"));
        // a parameter Halite knows is still checked
        assertExactError(server.get("/db/query?foo=1&pretty=yes&q=" + sel), 400,
                "{\"error\":\"invalid value 'yes' for pretty: use true or false, or give pretty without a value\"}");
    }

    @Test
    void badQueryParametersAre400() throws Exception {
        String sel = enc("SELECT 1");
        assertThat(assertError(server.get("/db/query?level=bogus&q=" + sel), 400)).contains("bogus");
        assertError(server.get("/db/query?level=&q=" + sel), 400);
        assertError(server.postJson("/db/request?level=fast", "[\"SELECT 1\"]"), 400);
        assertThat(assertError(server.get("/db/query?timeout=5&q=" + sel), 400)).contains("timeout");
        assertError(server.get("/db/query?timeout=abc&q=" + sel), 400);
        assertError(server.postJson("/db/execute?timeout=-&q", "[\"SELECT 1\"]"), 400);
        assertThat(assertError(server.get("/db/query?level=none&freshness=abc&q=" + sel), 400)).contains("freshness");
        assertThat(assertError(server.get("/db/query?level=none&freshness_strict&q=" + sel), 400))
                .contains("freshness_strict requires freshness");
        assertError(server.get("/db/query?pretty=maybe&q=" + sel), 400);
        assertError(server.get("/db/query?min_index=-1&q=" + sel), 400);
        assertError(server.get("/db/query"), 400);
        assertError(server.get("/db/query?q="), 400);
        assertError(server.get("/db/backup?fmt=csv"), 400);
        // valid durations are accepted
        assertThat(server.get("/db/query?level=none&freshness=1m30s&freshness_strict&timeout=500ms&q=" + sel).status())
                .isEqualTo(200);
    }

    @Test
    void invalidPercentEncodingIsA400NamingTheParameter() throws Exception {
        assertExactError(execute("?timings=%ff", "[\"SELECT 1\"]"), 400,
                "{\"error\":\"query parameter timings is not valid UTF-8 once percent-decoded\"}");
        assertExactError(server.get("/db/query?q=%ff%fe"), 400,
                "{\"error\":\"query parameter q is not valid UTF-8 once percent-decoded\"}");
        assertExactError(server.get("/status?%ff"), 400,
                "{\"error\":\"a query parameter name is not valid UTF-8 once percent-decoded\"}");
        assertExact(server.get("/db/query?q=SELECT+%27%C3%A9%27"),
                "{\"results\":[{\"columns\":[\"'é'\"],\"types\":[\"text\"],\"values\":[[\"é\"]]}]}");
    }

    @Test
    void flagsTakeOnlyTrueOrFalseOrNoValue() throws Exception {
        assertExactError(execute("?redirect=yes", "[\"SELECT 1\"]"), 400, "{\"error\":\"invalid value 'yes' for "
                + "redirect: use true or false, or give redirect without a value\"}");
        assertExactError(execute("?timings=1", "[\"SELECT 1\"]"), 400, "{\"error\":\"invalid value '1' for "
                + "timings: use true or false, or give timings without a value\"}");
        // also where the request never reads it: a read at level none is never redirected
        assertExactError(server.get("/db/query?level=none&redirect=no&q=" + enc("SELECT 1")), 400, "{\"error\":"
                + "\"invalid value 'no' for redirect: use true or false, or give redirect without a value\"}");
        String sel = "&q=" + enc("SELECT 1");
        assertExact(server.get("/db/query?pretty=false&timings=false" + sel),
                q("{'results':[{'columns':['1'],'types':['integer'],'values':[[1]]}]}"));
        assertThat(server.get("/db/query?pretty=true" + sel).body())
                .isEqualTo(server.get("/db/query?pretty" + sel).body())
                .startsWith("{\n    \"results\"");
    }

    @Test
    void parametersAreCheckedBeforeTheBodyAndWhereTheRequestWouldNotUseThem() throws Exception {
        assertExactError(execute("?timeout=abc", "not json"), 400,
                "{\"error\":\"timeout is not a valid duration: 'abc' (examples: 500ms, 2s, 1m)\"}");
        assertExactError(server.postJson("/db/request?freshness=soon", q("['CREATE TABLE " + t + " (x)']")), 400,
                "{\"error\":\"freshness is not a valid duration: 'soon' (examples: 500ms, 2s, 1m)\"}");
        assertThat(select("SELECT count(*) FROM sqlite_master WHERE name = '" + t + "'"))
                .as("the refused request changed nothing").contains("\"values\":[[0]]");
        assertExactError(server.postJson("/db/execute?tx=none&timeout=-1s", "[\"SELECT 1\"]"), 400,
                "{\"error\":\"timeout is not a valid duration: '-1s' (examples: 500ms, 2s, 1m)\"}");
    }

    @Test
    void aParameterGivenTwiceIsRefusedNamingIt() throws Exception {
        assertExactError(server.get("/db/query?level=none&level=weak&q=" + enc("SELECT 1")), 400,
                "{\"error\":\"query parameter level is given more than once\"}");
        assertExactError(server.get("/db/query?q=" + enc("SELECT 1") + "&q=" + enc("SELECT 2")), 400,
                "{\"error\":\"query parameter q is given more than once\"}");
        assertExactError(execute("?timings&timings", "[\"SELECT 1\"]"), 400,
                "{\"error\":\"query parameter timings is given more than once\"}");
    }

    @Test
    void invalidJsonIsDescribedInPlainWordsWithItsLineAndColumn() throws Exception {
        assertExactError(execute("[\"SELECT 1\""), 400, "{\"error\":\"invalid JSON body: it ends at line 1, "
                + "column 12 before the JSON value is complete\"}");
        assertExactError(execute("{not json"), 400,
                "{\"error\":\"invalid JSON body: unexpected character 'n' at line 1, column 2\"}");
        assertExactError(execute("[\"SELECT 1\",\n ]"), 400,
                "{\"error\":\"invalid JSON body: unexpected character ']' at line 2, column 2\"}");
        // Columns count characters, not bytes.
        assertExactError(execute("[\"é\" é]"), 400,
                "{\"error\":\"invalid JSON body: unexpected character 'é' at line 1, column 6\"}");
        assertExactError(execute("[\"\u0001\"]"), 400,
                "{\"error\":\"invalid JSON body: unexpected character U+0001 at line 1, column 3\"}");
        assertExactError(server.post("/db/execute", "application/json", new byte[] {'[', '"', (byte) 0xff, '"', ']'}),
                400, "{\"error\":\"invalid JSON body: it is not valid UTF-8 (at byte offset 2)\"}");
        assertExactError(execute("[".repeat(1001)), 400, "{\"error\":\"invalid JSON body: it is nested more than "
                + "1000 levels deep, or holds a string longer than 20000000 characters or a number longer than 1000 "
                + "digits\"}");
        assertExactError(execute(""), 400, "{\"error\":\"invalid JSON body: it is empty\"}");
    }

    @Test
    void contentAfterTheJsonBodyIsRefusedAndNothingIsApplied() throws Exception {
        createNameTable();
        for (String path : List.of("/db/execute", "/db/query", "/db/request")) {
            assertExactError(server.postJson(path, "[\"SELECT 1\"] x"), 400, "{\"error\":\"invalid JSON body: "
                    + "more content after the end of the JSON value, at line 1, column 14\"}");
        }
        assertExactError(execute("[\"INSERT INTO " + t + "(name) VALUES('a')\"][]"), 400, "{\"error\":\"invalid "
                + "JSON body: more content after the end of the JSON value, at line 1, column "
                + (35 + t.length()) + "\"}");
        assertExactError(execute("[\"INSERT INTO " + t + "(name) VALUES('a')\"]\n// a comment"), 400,
                "{\"error\":\"invalid JSON body: more content after the end of the JSON value, at line 2, "
                        + "column 1\"}");
        assertExactError(server.postJson("/join", "{\"id\": \"n2\", \"addr\": \"localhost:4002\"} {}"), 400,
                "{\"error\":\"invalid JSON body: more content after the end of the JSON value, at line 1, "
                        + "column 40\"}");
        assertThat(select("SELECT count(*) FROM " + t)).contains("\"values\":[[0]]");
        // Whitespace after the value is not content.
        assertExact(server.postJson("/db/query", "[\"SELECT 1\"]\n\t "),
                q("{'results':[{'columns':['1'],'types':['integer'],'values':[[1]]}]}"));
    }

    @Test
    void bodyAboveTheLimitIs413() throws Exception {
        int limit = 1024;
        try (ApiTestServer small = ApiTestServer.start(limit)) {
            String prefix = "[\"SELECT '";
            String suffix = "'\"]";
            String atLimit = prefix + "a".repeat(limit - prefix.length() - suffix.length()) + suffix;
            assertThat(atLimit).hasSize(limit);
            Reply ok = small.postJson("/db/query", atLimit);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            String over = prefix + "a".repeat(limit + 1 - prefix.length() - suffix.length()) + suffix;
            for (String path : List.of("/db/execute", "/db/query", "/db/request")) {
                assertThat(assertError(postOnNewConnection(small, path, "application/json", over), 413))
                        .as(path).contains("1024");
            }
            assertError(postOnNewConnection(small, "/db/execute", "text/plain",
                    "SELECT '" + "b".repeat(2 * limit) + "'"), 413);
            // also when the length is not declared up front (chunked)
            byte[] big = ("[\"INSERT INTO nosuch VALUES('" + "c".repeat(4 * limit) + "')\"]").getBytes(StandardCharsets.UTF_8);
            assertError(small.sendOnNewConnection("POST", "/db/execute", "application/json",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))), 413);
            // a SQL dump for /db/load is limited too
            assertError(postOnNewConnection(small, "/db/load", "text/plain",
                    "CREATE TABLE x(a);" + " ".repeat(2 * limit)), 413);
            // nothing of it was applied, and the node still serves requests within the limit
            assertExact(small.postJson("/db/query", "[\"SELECT name FROM sqlite_master WHERE name = 'x'\"]"),
                    q("{'results':[{'columns':['name'],'types':['text']}]}"));
        }
    }

    private static Reply postOnNewConnection(ApiTestServer s, String path, String contentType, String body)
            throws Exception {
        return s.sendOnNewConnection("POST", path, contentType,
                HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ refused statements

    @Test
    void refusedStatementsExplainWhyAndChangeNothing() throws Exception {
        assertExact(execute(q("['CREATE TABLE " + t + " (x)', 'INSERT INTO " + t + " VALUES(1)']")),
                q("{'results':[{},{'last_insert_id':1,'rows_affected':1}]}"));
        String schemaBefore = select("SELECT type, name, sql FROM sqlite_master ORDER BY name");
        assertThat(journalMode()).isEqualTo("wal");
        String attachFile = server.dataDir().resolve("attached-" + t + ".db").toString().replace("'", "''");

        record Refused(String sql, String because) {}
        List<Refused> refused = List.of(
                new Refused("PRAGMA journal_mode=DELETE", "journal_mode"),
                new Refused("PRAGMA journal_mode = delete", "journal_mode"),
                new Refused("PRAGMA journal_mode(DELETE)", "journal_mode"),
                new Refused("PRAGMA schema_version(1)", "schema_version"),
                new Refused("PRAGMA synchronous=OFF", "synchronous"),
                new Refused("PRAGMA wal_checkpoint(TRUNCATE)", "wal_checkpoint"),
                new Refused("ATTACH DATABASE '" + attachFile + "' AS other", "ATTACH"),
                new Refused("BEGIN", "transaction"),
                new Refused("BEGIN IMMEDIATE", "transaction"),
                new Refused("COMMIT", "transaction"),
                new Refused("ROLLBACK", "transaction"),
                new Refused("SAVEPOINT sp1", "transaction"),
                new Refused("RELEASE sp1", "transaction"),
                new Refused("VACUUM", "VACUUM"),
                new Refused("CREATE TEMP TABLE tmp_" + t + " (x)", "temporary"),
                new Refused("CREATE TEMPORARY VIEW tmpv_" + t + " AS SELECT 1", "temporary"),
                new Refused("SELECT load_extension('x')", "load_extension"));
        for (Refused r : refused) {
            Reply reply = server.postJson("/db/execute", JSON.writeValueAsString(List.of(r.sql)));
            JsonNode result = onlyResult(reply);
            assertThat(result.size()).as("%s -> %s", r.sql, reply).isEqualTo(1);
            String error = result.path("error").asText("");
            assertThat(error).as("%s -> %s", r.sql, reply).contains(r.because).contains("not allowed");
            assertNoStackTrace(reply.body());
            // the node still works after each one, outside any transaction the statement tried to open
            assertExact(execute(q("['UPDATE " + t + " SET x = x + 1']")), q("{'results':[{'rows_affected':1}]}"));
        }
        // reads refuse what is not a read too
        for (String sql : List.of("SELECT load_extension('x')", "BEGIN", "PRAGMA synchronous=OFF",
                "ATTACH DATABASE '" + attachFile + "' AS other")) {
            JsonNode result = onlyResult(server.get("/db/query?q=" + enc(sql)));
            assertThat(result.path("error").asText("")).as(sql).isNotEmpty();
        }
        assertThat(select("SELECT type, name, sql FROM sqlite_master ORDER BY name")).isEqualTo(schemaBefore);
        assertThat(journalMode()).isEqualTo("wal");
        assertThat(select("SELECT x FROM " + t)).contains("\"values\":[[" + (1 + refused.size()) + "]]");
        assertThat(Files.exists(server.dataDir().resolve("attached-" + t + ".db"))).isFalse();
        assertThat(onlyResult(server.get("/db/query?q=" + enc("SELECT * FROM temp.tmp_" + t))).path("error").asText())
                .contains("no such table");
    }

    /** The journal mode of the node's database file, read directly (the API cannot read it, see below). */
    private static String journalMode() throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir().resolve("db/main.sqlite"),
                config.toProperties());
             java.sql.Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** journal_mode is an introspection PRAGMA: reading it is allowed although its program has a JournalMode op. */
    @Test
    void readingJournalModeIsAllowed() throws Exception {
        assertExact(server.get("/db/query?q=" + enc("PRAGMA journal_mode")),
                q("{'results':[{'columns':['journal_mode'],'types':['text'],'values':[['wal']]}]}"));
    }

    @Test
    void aQueryPlanIsARead() throws Exception {
        createNameTable();
        String plan = "EXPLAIN QUERY PLAN SELECT name FROM " + t + " WHERE id = 1";
        Reply viaQuery = server.get("/db/query?q=" + enc(plan));
        assertThat(viaQuery.status()).as(viaQuery.toString()).isEqualTo(200);
        JsonNode result = tree(viaQuery.body()).path("results").path(0);
        assertThat(result.path("columns").toString()).isEqualTo(q("['id','parent','notused','detail']"));
        // The other columns are SQLite's internal numbering; the detail is what a user reads.
        assertThat(result.path("values").path(0).path(3).asText())
                .isEqualTo("SEARCH " + t + " USING INTEGER PRIMARY KEY (rowid=?)");
        assertThat(server.postJson("/db/request", JSON.writeValueAsString(List.of(plan))).body())
                .isEqualTo(viaQuery.body());
    }

    @Test
    void introspectionPragmasCanBeRead() throws Exception {
        createNameTable();
        assertExact(server.get("/db/query?q=" + enc("PRAGMA table_info(" + t + ")")),
                q("{'results':[{'columns':['cid','name','type','notnull','dflt_value','pk'],"
                        + "'types':['integer','text','text','integer','','integer'],"
                        + "'values':[[0,'id','INTEGER',0,null,1],[1,'name','TEXT',0,null,0]]}]}"));
        assertExact(server.get("/db/query?q=" + enc("PRAGMA user_version")),
                q("{'results':[{'columns':['user_version'],'types':['integer'],'values':[[0]]}]}"));
    }

    @Test
    void statementErrorsNeverLeakJavaInternals() throws Exception {
        createNameTable();
        List<String> bodies = List.of(
                "[[\"INSERT INTO " + t + "(name) VALUES(?)\"]]",
                "[[\"INSERT INTO " + t + "(name) VALUES(?)\", 1, 2]]",
                "[[\"INSERT INTO " + t + "(name) VALUES(:n)\", {\"m\": 1}]]",
                "[[\"INSERT INTO " + t + "(id, name) VALUES(?, :n)\", {\"n\": 1}]]",
                "[\"INSERT INTO " + t + "(id) VALUES('not an int')\"]",
                "[\"SELECT abs(-9223372036854775808)\"]",
                "[\"SELECT * FROM " + t + " WHERE\"]",
                "[\"\u0000\"]");
        for (String body : bodies) {
            Reply r = execute(body);
            assertNoStackTrace(r.body());
            tree(r.body());
            assertThat(r.status()).as("%s -> %s", body, r).isIn(200, 400);
            if (r.status() == 200) {
                for (JsonNode result : tree(r.body()).get("results")) {
                    if (result.has("error")) {
                        assertThat(result.get("error").asText()).as(body).isNotBlank();
                    }
                }
            } else {
                assertError(r, 400);
            }
        }
        assertThat(select("SELECT count(*) FROM " + t)).contains("\"values\":[[0]]");
    }

    // ------------------------------------------------------------------ read levels

    @Test
    void everyLevelReadsTheSameRows() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')', 'INSERT INTO " + t + "(name) VALUES(\\'b\\')']"));
        String expected = q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'a'],[2,'b']]}]}");
        String sql = enc("SELECT id, name FROM " + t + " ORDER BY id");
        for (String level : List.of("none", "weak", "linearizable", "strong", "STRONG", "Weak")) {
            assertExact(server.get("/db/query?level=" + level + "&q=" + sql), expected);
            assertExact(server.postJson("/db/query?level=" + level,
                    "[\"SELECT id, name FROM " + t + " ORDER BY id\"]"), expected);
            assertExact(server.postJson("/db/request?level=" + level,
                    "[\"SELECT id, name FROM " + t + " ORDER BY id\"]"), expected);
        }
        assertExact(server.get("/db/query?level=none&freshness=1s&q=" + sql), expected);
        for (String level : List.of("none", "weak", "linearizable")) {
            assertExact(server.get("/db/query?raft_index&level=" + level + "&q=" + sql), expected);
        }
        Reply strong = server.get("/db/query?raft_index&level=strong&q=" + sql);
        long index = tree(strong.body()).path("raft_index").asLong(0);
        assertThat(index).as(strong.body()).isPositive();
        assertExact(strong, expected.substring(0, expected.length() - 1) + ",\"raft_index\":" + index + "}");
        Reply strongAgain = server.postJson("/db/request?raft_index&level=strong", "[\"SELECT count(*) FROM " + t + "\"]");
        assertThat(tree(strongAgain.body()).path("raft_index").asLong(0)).as(strongAgain.body()).isGreaterThan(index);
    }

    /** A strong read goes through the log like a write, but must refuse writes just like any other read. */
    @Test
    void strongReadRefusesWrites() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')', 'INSERT INTO " + t + "(name) VALUES(\\'b\\')']"));
        String refused = q("{'results':[{'error':'attempt to change database via query operation'}]}");
        assertExact(server.get("/db/query?level=strong&q=" + enc("DELETE FROM " + t)), refused);
        assertExact(server.postJson("/db/query?level=strong", q("['INSERT INTO " + t + "(name) VALUES(\\'c\\')']")),
                refused);
        assertExact(server.get("/db/query?q=" + enc("SELECT name FROM " + t + " ORDER BY id")),
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['a'],['b']]}]}"));
    }

    @Test
    void minIndexWaitsForAnAppliedIndex() throws Exception {
        createNameTable();
        long index = tree(execute("?raft_index", q("['INSERT INTO " + t + "(name) VALUES(\\'a\\')']")).body())
                .get("raft_index").asLong();
        assertExact(server.get("/db/query?min_index=" + index + "&q=" + enc("SELECT name FROM " + t)),
                q("{'results':[{'columns':['name'],'types':['text'],'values':[['a']]}]}"));
        // An index this leader's log does not reach is no index of this cluster: said at once, not after the timeout.
        Reply future = server.get("/db/query?min_index=" + (index + 1_000_000) + "&timeout=30s&q=" + enc("SELECT 1"));
        assertThat(assertError(future, 503)).startsWith("min_index " + (index + 1_000_000)
                + " is beyond the end of this leader's log (").endsWith("): it comes from another cluster's log (one "
                + "that answered at this address before), or this node no longer leads");
    }

    // ------------------------------------------------------------------ status endpoints

    @Test
    void statusReportsTheLeader() throws Exception {
        Reply r = server.get("/status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode status = tree(r.body());
        assertThat(status.at("/store/raft/state").asText()).isEqualTo("Leader");
        assertThat(status.at("/store/sqlite3/version").asText()).matches("3\\.\\d+\\.\\d+");
        assertThat(status.at("/node/id").asText()).isEqualTo("node1");
        assertThat(status.at("/store/leader/node_id").asText()).isEqualTo("node1");
        assertThat(status.at("/store/ready").asBoolean()).isTrue();
        assertThat(status.at("/store/raft/applied_index").asLong()).isPositive();
        Reply pretty = server.get("/status?pretty");
        assertThat(pretty.body()).contains("\n    \"");
        assertThat(tree(pretty.body()).at("/store/raft/state").asText()).isEqualTo("Leader");
    }

    @Test
    void nodesInLegacyAndListForms() throws Exception {
        Reply legacy = server.get("/nodes");
        assertThat(legacy.status()).isEqualTo(200);
        JsonNode map = tree(legacy.body());
        assertThat(map.size()).as(legacy.body()).isEqualTo(1);
        JsonNode me = map.get("node1");
        assertThat(me).as(legacy.body()).isNotNull();
        assertThat(me.get("id").asText()).isEqualTo("node1");
        assertThat(me.get("leader").asBoolean()).isTrue();
        assertThat(me.get("voter").asBoolean()).isTrue();
        assertThat(me.get("reachable").asBoolean()).isTrue();
        assertThat(me.get("api_addr").asText()).startsWith("http://");
        assertThat(me.get("addr").asText()).startsWith("127.0.0.1:");

        Reply v2 = server.get("/nodes?ver=2");
        assertThat(v2.status()).isEqualTo(200);
        JsonNode list = tree(v2.body());
        assertThat(list.size()).isEqualTo(1);
        assertThat(list.get("nodes").isArray()).isTrue();
        assertThat(list.get("nodes")).hasSize(1);
        ObjectNode inList = (ObjectNode) list.get("nodes").get(0).deepCopy();
        ObjectNode inMap = me.deepCopy();
        inList.remove("applied_index");
        inMap.remove("applied_index");
        assertThat(inList).isEqualTo(inMap);
        assertThat(server.get("/nodes?nonvoters&ver=2").status()).isEqualTo(200);
    }

    @Test
    void readyz() throws Exception {
        Reply r = server.get("/readyz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("[+]node ok");
        assertThat(r.body()).contains("[+]leader ok");
        Reply noLeader = server.get("/readyz?noleader");
        assertThat(noLeader.status()).isEqualTo(200);
        assertThat(noLeader.body()).isEqualTo("[+]node ok");
    }

    @Test
    void livezAnswers200NodeOkWithoutCheckingLeaderOrStorage() throws Exception {
        Reply r = server.get("/livez");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("[+]node ok");
    }

    // ------------------------------------------------------------------ backup and load

    @Test
    void backupThenLoadRestoresTheOldContent() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'old\\')']"));
        Reply backup = server.get("/db/backup");
        assertThat(backup.status()).isEqualTo(200);
        byte[] image = backup.bytes();
        assertThat(Arrays.copyOf(image, 16)).isEqualTo("SQLite format 3\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(server.get("/db/backup?fmt=binary").bytes()).startsWith("SQLite format 3\0".getBytes(StandardCharsets.US_ASCII));

        assertExact(execute(q("['UPDATE " + t + " SET name = \\'new\\'', 'INSERT INTO " + t + "(name) VALUES(\\'more\\')',"
                        + " 'CREATE TABLE " + t + "_later (x)']")),
                q("{'results':[{'rows_affected':1},{'last_insert_id':2,'rows_affected':1},{'last_insert_id':2}]}"));
        assertExact(server.post("/db/load", "application/octet-stream", image), q("{'results':[]}"));

        assertExact(server.get("/db/query?q=" + enc("SELECT id, name FROM " + t)),
                q("{'results':[{'columns':['id','name'],'types':['integer','text'],'values':[[1,'old']]}]}"));
        assertThat(select("SELECT name FROM sqlite_master WHERE name = '" + t + "_later'")).doesNotContain("values");
        // writes still work and continue from the loaded content
        assertExact(execute(q("['INSERT INTO " + t + "(name) VALUES(\\'after\\')']")),
                q("{'results':[{'last_insert_id':2,'rows_affected':1}]}"));
    }

    @Test
    void loadSqlDumpThenGarbageIsRefused() throws Exception {
        String dump = "PRAGMA foreign_keys=OFF;\n"
                + "BEGIN TRANSACTION;\n"
                + "CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, name TEXT);\n"
                + "INSERT INTO " + t + " VALUES(1,'fiona');\n"
                + "INSERT INTO " + t + " VALUES(2,'it''s');\n"
                + "COMMIT;\n";
        // as rqlite answers a dump: one result, SQLite's last insert id and changes after the script
        assertExact(server.post("/db/load", "text/plain", dump), q("{'results':[{'last_insert_id':2,'rows_affected':1}]}"));
        String expected = "{\"results\":[{\"columns\":[\"id\",\"name\"],\"types\":[\"integer\",\"text\"],"
                + "\"values\":[[1,\"fiona\"],[2,\"it's\"]]}]}";
        assertExact(server.get("/db/query?q=" + enc("SELECT id, name FROM " + t + " ORDER BY id")), expected);

        for (byte[] garbage : List.of("this is not SQL at all".getBytes(StandardCharsets.UTF_8),
                "CREATE TABLE broken (".getBytes(StandardCharsets.UTF_8),
                "SQLite format 3".getBytes(StandardCharsets.UTF_8))) {
            Reply r = server.post("/db/load", "application/octet-stream", garbage);
            assertError(r, 400);
        }
        // a truncated SQLite image is refused too
        byte[] image = server.get("/db/backup").bytes();
        assertError(server.post("/db/load", "application/octet-stream", Arrays.copyOf(image, 100)), 400);
        byte[] damaged = image.clone();
        for (int i = 100; i < damaged.length; i++) {
            damaged[i] = (byte) (i * 31);
        }
        assertError(server.post("/db/load", "application/octet-stream", damaged), 400);
        assertExact(server.get("/db/query?q=" + enc("SELECT id, name FROM " + t + " ORDER BY id")), expected);
    }

    /**
     * A body that is not a SQLite file is taken as a SQL dump; binary garbage (SQLite would stop reading at its
     * first NUL byte) and an empty body must be refused, not run as an empty script that empties the database.
     */
    @Test
    void loadOfBinaryGarbageOrNothingIsRefusedAndChangesNothing() throws Exception {
        createNameTable();
        execute(q("['INSERT INTO " + t + "(name) VALUES(\\'kept\\')']"));
        String expected = q("{'results':[{'columns':['name'],'types':['text'],'values':[['kept']]}]}");
        for (byte[] garbage : List.of(new byte[] {0, 1, 2, 3, (byte) 0xff, (byte) 0xfe, 42}, new byte[0])) {
            Reply r = server.post("/db/load", "application/octet-stream", garbage);
            assertThat(r.status()).as("load of %s -> %s", Arrays.toString(garbage), r).isEqualTo(400);
            assertError(r, 400);
            assertExact(server.get("/db/query?q=" + enc("SELECT name FROM " + t)), expected);
        }
    }

    /**
     * Prepared statements are cached per connection by SQL text; a cached statement that failed to re-prepare (its
     * table was dropped) must work again once the table exists again, as it would on a node with an empty cache:
     * otherwise replicas with different restart histories diverge.
     */
    @Test
    void droppedAndRecreatedTableCanBeUsedAgain() throws Exception {
        String insert = "[[\"INSERT INTO " + t + "(x) VALUES(?)\", 5]]";
        String read = "SELECT x FROM " + t;
        assertExact(execute("[\"CREATE TABLE " + t + " (x)\"]"), q("{'results':[{}]}"));
        assertExact(execute(insert), q("{'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        for (int i = 0; i < 10; i++) { // reach every read connection
            assertExact(server.get("/db/query?q=" + enc(read)),
                    q("{'results':[{'columns':['x'],'types':['integer'],'values':[[5]]}]}"));
        }
        assertExact(execute("[\"DROP TABLE " + t + "\"]"), q("{'results':[{}]}"));
        assertThat(onlyResult(execute(insert)).path("error").asText()).isNotEmpty();
        for (int i = 0; i < 10; i++) {
            assertThat(onlyResult(server.get("/db/query?q=" + enc(read))).path("error").asText()).isNotEmpty();
        }
        assertExact(execute("[\"CREATE TABLE " + t + " (x)\"]"), q("{'results':[{}]}"));
        assertExact(execute(insert), q("{'results':[{'last_insert_id':1,'rows_affected':1}]}"));
        for (int i = 0; i < 10; i++) {
            assertExact(server.get("/db/query?q=" + enc(read)),
                    q("{'results':[{'columns':['x'],'types':['integer'],'values':[[5]]}]}"));
        }
    }

    @Test
    void checksumChangesWithContentAndNamesTheAppliedIndex() throws Exception {
        createNameTable();
        JsonNode before = tree(server.get("/db/checksum").body());
        assertThat(before.path("checksum").asText()).matches("[0-9a-f]{64}");
        assertThat(tree(server.get("/db/checksum").body())).as("stable while nothing changes").isEqualTo(before);
        JsonNode write = tree(execute("?raft_index", q("['INSERT INTO " + t + "(name) VALUES(\\'x\\')']")).body());
        JsonNode after = tree(server.get("/db/checksum").body());
        assertThat(after.path("applied_index").asLong()).isEqualTo(write.path("raft_index").asLong());
        assertThat(after.path("checksum").asText()).isNotEqualTo(before.path("checksum").asText());
        assertThat(tree(server.get("/db/checksum?bogus").body())).as("an unknown parameter is ignored")
                .isEqualTo(after);
    }

    @Test
    void sqlDumpRoundTripsThroughLoad() throws Exception {
        String other = t + "_other";
        execute(q("['CREATE TABLE " + t + " (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, score REAL, data BLOB)', "
                + "'CREATE INDEX " + t + "_name ON " + t + "(name)', "
                + "'CREATE TABLE " + other + " (x)', "
                + "['INSERT INTO " + t + "(name, score, data) VALUES(?, ?, ?)', 'it\\'s \\\"quoted\\\"', 1.5, [0, 255, 10]], "
                + "['INSERT INTO " + t + "(name, score, data) VALUES(?, ?, ?)', null, -2, null]]"));
        Reply dump = server.get("/db/backup?fmt=sql");
        assertThat(dump.status()).isEqualTo(200);
        assertThat(dump.body()).startsWith("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n").endsWith("COMMIT;\n")
                .doesNotContain("_halite_state");
        String before = server.get("/db/query?q=" + enc("SELECT id, name, score, hex(data) FROM " + t)).body();

        execute(q("['DELETE FROM " + t + "']"));
        Reply loaded = server.post("/db/load", "text/plain", dump.body());
        assertThat(loaded.status()).isEqualTo(200);
        assertThat(server.get("/db/query?q=" + enc("SELECT id, name, score, hex(data) FROM " + t)).body()).isEqualTo(before);
        assertExact(execute(q("['INSERT INTO " + t + "(name) VALUES(\\'next\\')']")),
                q("{'results':[{'last_insert_id':3,'rows_affected':1}]}"));
    }

    @Test
    void freshnessIsAlwaysMetOnTheLeader() throws Exception {
        createNameTable();
        assertExact(server.get("/db/query?level=none&freshness=1ms&freshness_strict&q=" + enc("SELECT count(*) FROM " + t)),
                q("{'results':[{'columns':['count(*)'],'types':['integer'],'values':[[0]]}]}"));
    }
}
