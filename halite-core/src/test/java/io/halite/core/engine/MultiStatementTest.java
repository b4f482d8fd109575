package io.halite.core.engine;

import static io.halite.core.engine.RandomWorkload.entry;
import static io.halite.core.engine.RandomWorkload.normalize;
import static io.halite.core.engine.RandomWorkload.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.LogEntry;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A statement text that holds several statements runs them all, in order, on every replica alike: the budget
 * bounds the whole text, the policy judges every statement before any runs, and the entry is marked so that a node
 * too old to run them all refuses it.
 */
class MultiStatementTest {
    private static final long TERM = 2;
    private static final long BUDGET = 20_000;
    /** About 16 SQLite steps a row: one of these takes about 13,000 steps, two exceed {@link #BUDGET}. */
    private static final String COUNT_800 =
            "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 800) SELECT x FROM c)";

    @TempDir
    Path dir;

    private SqliteDatabase open(String name) throws Exception {
        return SqliteDatabase.open(dir.resolve(name).resolve("main.sqlite"), new SqliteDatabase.Options(1, false, BUDGET));
    }

    private static String query(SqliteDatabase db, String sql) throws Exception {
        return normalize(db.query(req(false, SqlStatement.of(sql)), Duration.ofSeconds(5)));
    }

    @Test
    void everyStatementOfATextRunsAndTheLastOneAnswers() throws Exception {
        try (SqliteDatabase db = open("a")) {
            List<List<StatementResult>> results = db.apply(1, TERM, entry(1, BUDGET,
                    req(false, SqlStatement.of("CREATE TABLE t(x); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2);")),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(?); INSERT INTO t VALUES(?)", 3L, 4L)),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(5); SELECT count(*) FROM t -- and a comment"))));
            db.commit();
            assertThat(normalize(results.get(0))).isEqualTo("exec id=2 n=1");
            assertThat(normalize(results.get(1))).isEqualTo("exec id=4 n=1");
            assertThat(normalize(results.get(2))).isEqualTo("rows [[5]]");
            assertThat(query(db, "SELECT group_concat(x) FROM t; SELECT sum(x) FROM t;")).isEqualTo("rows [[15]]");
        }
    }

    @Test
    void namedValuesApplyToEveryStatement() throws Exception {
        try (SqliteDatabase db = open("a")) {
            SqlStatement named = new SqlStatement("CREATE TABLE t(x); INSERT INTO t VALUES(:v); INSERT INTO t VALUES(:v + 1)",
                    null, Map.of("v", 10L));
            assertThat(normalize(db.apply(1, TERM, entry(1, BUDGET, req(false, named))).get(0))).isEqualTo("exec id=2 n=1");
            db.commit();
            assertThat(query(db, "SELECT group_concat(x) FROM t")).isEqualTo("rows [[10,11]]");
        }
    }

    @Test
    void valuesThatDoNotFitTheStatementsAreRefusedBeforeAnyRuns() throws Exception {
        try (SqliteDatabase db = open("a")) {
            db.apply(1, TERM, entry(1, BUDGET, req(false, SqlStatement.of("CREATE TABLE t(x)"))));
            List<List<StatementResult>> results = db.apply(2, TERM, entry(2, BUDGET,
                    req(false, SqlStatement.of("INSERT INTO t VALUES(?); INSERT INTO t VALUES(?)", 1L)),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(?); INSERT INTO t VALUES(2)", 1L, 2L))));
            db.commit();
            assertThat(normalize(results.get(0))).isEqualTo("error 0: statement has 2 parameter(s) but 1 value(s) were given");
            assertThat(normalize(results.get(1))).isEqualTo("error 0: statement has 1 parameter(s) but 2 value(s) were given");
            assertThat(query(db, "SELECT count(*) FROM t")).isEqualTo("rows [[0]]");
        }
    }

    @Test
    void aForbiddenStatementAfterAnAllowedOneIsRefusedAndNothingRuns() throws Exception {
        try (SqliteDatabase db = open("a")) {
            db.apply(1, TERM, entry(1, BUDGET, req(false, SqlStatement.of("CREATE TABLE t(x)"))));
            List<List<StatementResult>> results = db.apply(2, TERM, entry(2, BUDGET,
                    req(false, SqlStatement.of("INSERT INTO t VALUES(1); ATTACH ':memory:' AS other")),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(2); PRAGMA journal_mode = DELETE")),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(3); COMMIT; INSERT INTO t VALUES(4)")),
                    req(false, SqlStatement.of("INSERT INTO t VALUES(5); CREATE TEMP TABLE x(y)"))));
            db.commit();
            assertThat(normalize(results.get(0))).isEqualTo(
                    "error 0: ATTACH and DETACH are not allowed: every replica must hold exactly one database file");
            assertThat(normalize(results.get(1))).isEqualTo(
                    "error 0: setting PRAGMA journal_mode is not allowed: it is managed by Halite on every replica");
            assertThat(normalize(results.get(2))).startsWith("error 0: transaction control statements");
            assertThat(normalize(results.get(3))).startsWith("error 0: temporary tables, views and triggers are not allowed");
            assertThat(query(db, "SELECT count(*) FROM t")).isEqualTo("rows [[0]]");
        }
    }

    @Test
    void aReadRefusesAWriteAnywhereInTheText() throws Exception {
        try (SqliteDatabase db = open("a")) {
            db.apply(1, TERM, entry(1, BUDGET, req(false, SqlStatement.of("CREATE TABLE t(x)"))));
            db.commit();
            assertThat(query(db, "SELECT 1; INSERT INTO t VALUES(1)"))
                    .isEqualTo("error 0: attempt to change database via query operation");
            assertThat(db.isWrite("SELECT 1; INSERT INTO t VALUES(1)")).isTrue();
            assertThat(db.isWrite("CREATE TABLE u(x); INSERT INTO u VALUES(1)")).isTrue();
            assertThat(db.isWrite("SELECT 1; SELECT 2;")).isFalse();
            assertThat(db.isWrite("SELECT 1; SELECT * FROM missing")).isNull();
        }
    }

    @Test
    void aFailingStatementEndsTheTextAfterTheOnesBeforeItRanUnlessTheRequestIsATransaction() throws Exception {
        try (SqliteDatabase db = open("a")) {
            db.apply(1, TERM, entry(1, BUDGET, req(false, SqlStatement.of("CREATE TABLE t(x UNIQUE)"))));
            List<List<StatementResult>> results = db.apply(2, TERM, entry(2, BUDGET,
                    req(false, SqlStatement.of("INSERT INTO t VALUES(1); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)")),
                    req(true, SqlStatement.of("INSERT INTO t VALUES(3); INSERT INTO t VALUES(1)"))));
            db.commit();
            assertThat(normalize(results.get(0))).isEqualTo("error 19: UNIQUE constraint failed: t.x");
            assertThat(normalize(results.get(1))).isEqualTo("error 19: UNIQUE constraint failed: t.x");
            assertThat(query(db, "SELECT group_concat(x) FROM t")).isEqualTo("rows [[1]]");
        }
    }

    /**
     * The lexer takes an unquoted column named {@code end} in a trigger body for the body's end. What is left of the
     * body then fails (here its final {@code END;} is refused before anything runs): a loud failure, never a
     * statement dropped.
     */
    @Test
    void aTriggerBodyTheLexerMisreadsFailsLoudly() throws Exception {
        try (SqliteDatabase db = open("a")) {
            List<List<StatementResult>> results = db.apply(1, TERM, entry(1, BUDGET,
                    req(false, SqlStatement.of("CREATE TABLE e(x, end); CREATE TRIGGER te AFTER INSERT ON e BEGIN"
                            + " UPDATE e SET end = 1; END; INSERT INTO e(x) VALUES(1)"))));
            db.commit();
            // The piece left after the misread end is the body's own END, which SQLite reads as COMMIT.
            assertThat(normalize(results.get(0))).startsWith("error 0: transaction control statements");
            assertThat(query(db, "SELECT count(*) FROM e")).isEqualTo("error 1: no such table: e");
        }
    }

    @Test
    void theBudgetBoundsTheWholeTextAlikeOnEveryReplica() throws Exception {
        try (SqliteDatabase a = open("a"); SqliteDatabase b = open("b")) {
            List<String> seen = new ArrayList<>();
            for (SqliteDatabase db : List.of(a, b)) {
                db.apply(1, TERM, entry(1, BUDGET, req(false, SqlStatement.of("CREATE TABLE t(n)"))));
                List<List<StatementResult>> results = db.apply(2, TERM, entry(2, BUDGET,
                        req(false, SqlStatement.of("INSERT INTO t " + COUNT_800)),
                        req(false, SqlStatement.of("INSERT INTO t " + COUNT_800 + "; INSERT INTO t " + COUNT_800)),
                        req(false, SqlStatement.of(COUNT_800 + "; " + COUNT_800)),
                        req(false, SqlStatement.of("INSERT INTO t VALUES(-1)"))));
                db.commit();
                List<String> described = new ArrayList<>();
                results.forEach(r -> described.add(normalize(r)));
                seen.add(String.join(" | ", described) + " | " + query(db, "SELECT group_concat(n) FROM t"));
            }
            String stopped = "error 9: statement stopped: it took more than its budget of " + BUDGET + " SQLite steps";
            assertThat(seen.get(0)).isEqualTo("exec id=1 n=1 | " + stopped + " | " + stopped + " | exec id=2 n=1"
                    + " | rows [[800,-1]]");
            assertThat(seen.get(1)).isEqualTo(seen.get(0));
            assertThat(a.checksum()).isEqualTo(b.checksum());
        }
    }

    @Test
    void onlyAnEntryWithSeveralStatementsInATextTakesTheNewFormat() {
        byte[] single = EntryCodec.encode(new LogEntry.Batch(1, 1, BUDGET,
                List.of(req(false, SqlStatement.of("INSERT INTO t VALUES(';'); -- one statement")))));
        byte[] several = EntryCodec.encode(new LogEntry.Batch(1, 1, BUDGET,
                List.of(req(false, SqlStatement.of("SELECT 1")), req(false, SqlStatement.of("SELECT 1; SELECT 2")))));
        assertThat(single[0]).isEqualTo((byte) 2);
        assertThat(several[0]).isEqualTo((byte) 3);
        LogEntry.Batch decoded = (LogEntry.Batch) EntryCodec.decode(new ByteArrayInputStream(several));
        assertThat(decoded.requests().get(1).statements().get(0).sql()).isEqualTo("SELECT 1; SELECT 2");
        several[0] = 5;
        assertThatThrownBy(() -> EntryCodec.decode(new ByteArrayInputStream(several)))
                .hasMessageContaining("log entry format version 5 is not supported by this node");
    }
}
