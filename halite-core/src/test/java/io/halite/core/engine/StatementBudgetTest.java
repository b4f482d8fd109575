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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every statement applied from the log runs under the entry's budget of SQLite steps, so a runaway statement fails
 * alike on every replica and the writer moves on; reads are also bounded by their timeout.
 */
class StatementBudgetTest {
    private static final long TERM = 3;
    /** About 0.1 s of a tight recursive CTE: the runaway statements below take forever. */
    private static final long SMALL_BUDGET = 10_000_000;
    private static final String RUNAWAY_READ =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";
    private static final String RUNAWAY_WRITE =
            "INSERT INTO t(v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c";
    private static final String BUDGET_ERROR =
            "statement stopped: it took more than its budget of " + SMALL_BUDGET + " SQLite steps";

    @TempDir
    Path dir;

    private SqliteDatabase open(String name, int readers) throws Exception {
        return SqliteDatabase.open(dir.resolve(name).resolve("main.sqlite"),
                new SqliteDatabase.Options(readers, false, SMALL_BUDGET));
    }

    @Test
    void aRunawayStatementFailsAlikeOnEveryReplicaAndTheEntriesAroundItApply() throws Exception {
        try (SqliteDatabase a = open("a", 2); SqliteDatabase b = open("b", 2)) {
            List<String> seen = new ArrayList<>();
            for (SqliteDatabase db : List.of(a, b)) {
                db.apply(1, TERM, entry(1, SMALL_BUDGET,
                        req(false, SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")),
                        req(false, SqlStatement.of("INSERT INTO t(v) VALUES ('first')"))));
                // Entries 2-4 share one SQLite transaction: the runaway write makes SQLite roll all of it back,
                // and the node applies the others again.
                List<List<StatementResult>> second = db.apply(2, TERM, entry(2, SMALL_BUDGET,
                        req(false, SqlStatement.of("INSERT INTO t(v) VALUES ('before')"), SqlStatement.of(RUNAWAY_WRITE),
                                SqlStatement.of("INSERT INTO t(v) VALUES ('after')")),
                        req(true, SqlStatement.of("INSERT INTO t(v) VALUES ('tx')"), SqlStatement.of(RUNAWAY_READ))));
                List<List<StatementResult>> third = db.apply(3, TERM, entry(3, SMALL_BUDGET,
                        req(false, SqlStatement.of(RUNAWAY_READ), SqlStatement.of("SELECT count(*) FROM t"))));
                List<List<StatementResult>> fourth = db.apply(4, TERM, entry(4, SMALL_BUDGET,
                        req(false, SqlStatement.of("INSERT INTO t(v) VALUES ('next')"))));
                db.commit();
                seen.add(normalize(second.get(0)) + " | " + normalize(second.get(1)) + " | "
                        + normalize(third.get(0)) + " | " + normalize(fourth.get(0)));
                assertThat(normalize(db.query(req(false, SqlStatement.of("SELECT id, v FROM t ORDER BY id")),
                        Duration.ofSeconds(5)))).isEqualTo("rows [[1, first], [2, before], [3, after], [4, next]]");
                assertThat(db.appliedIndex()).isEqualTo(4);
            }
            assertThat(seen.get(0)).isEqualTo("exec id=2 n=1; error 9: " + BUDGET_ERROR + "; exec id=3 n=1"
                    + " | exec id=4 n=1; error 9: " + BUDGET_ERROR
                    + " | error 9: " + BUDGET_ERROR + "; rows [[3]]"
                    + " | exec id=4 n=1");
            assertThat(seen.get(1)).isEqualTo(seen.get(0));
            assertThat(a.checksum()).isEqualTo(b.checksum());
        }
    }

    /**
     * SQLite counts a cached statement's steps across its runs, so its budget is checked at other points than a
     * freshly prepared one's. A replica that ran a statement before (cached) and one that did not (restarted) must
     * still reach the same verdict on every run, right at the edge of the budget too.
     */
    @Test
    void replicasWithAndWithoutCachedStatementsAgreeAtTheEdgeOfTheBudget() throws Exception {
        long budget = 20_000;
        String read = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT ?) SELECT count(*) FROM c";
        String write = "INSERT INTO t(v) SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                + "SELECT x+1 FROM c LIMIT ?) SELECT x FROM c)";
        Path restartedFile = dir.resolve("restarted").resolve("main.sqlite");
        try (SqliteDatabase warm = open("warm", 1)) {
            LogEntry.Batch schema = entry(1, budget, req(false, SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v)")));
            warm.apply(1, TERM, schema);
            warm.commit();
            try (SqliteDatabase restarted = SqliteDatabase.open(restartedFile,
                    new SqliteDatabase.Options(1, false, budget))) {
                restarted.apply(1, TERM, schema);
                restarted.commit();
            }
            int stopped = 0;
            // About 16 steps a row: the limits below cross the budget in the middle of the sweep.
            for (long limit = 1_150, index = 2; limit < 1_350; limit++, index++) {
                LogEntry.Batch batch = entry(index, budget, req(false, SqlStatement.of(read, limit)),
                        req(false, SqlStatement.of(write, limit)));
                String onWarm = normalize(warm.apply(index, TERM, batch).stream().flatMap(List::stream).toList());
                warm.commit();
                String onRestarted;
                try (SqliteDatabase restarted = SqliteDatabase.open(restartedFile,
                        new SqliteDatabase.Options(1, false, budget))) {
                    onRestarted = normalize(restarted.apply(index, TERM, batch).stream().flatMap(List::stream).toList());
                    restarted.commit();
                }
                assertThat(onWarm).as("LIMIT %d", limit).isEqualTo(onRestarted);
                if (onWarm.contains("statement stopped")) {
                    stopped++;
                }
            }
            assertThat(stopped).as("some runs were stopped, some were not").isBetween(20, 180);
            try (SqliteDatabase restarted = SqliteDatabase.open(restartedFile,
                    new SqliteDatabase.Options(1, false, budget))) {
                assertThat(restarted.checksum()).isEqualTo(warm.checksum());
            }
        }
    }

    @Test
    void legitimateLargeStatementsFitTheDefaultBudget() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("large").resolve("main.sqlite"),
                SqliteDatabase.Options.defaults())) {
            List<List<StatementResult>> results = db.apply(1, TERM, entry(1, LogEntry.DEFAULT_STATEMENT_BUDGET,
                    req(false, SqlStatement.of("CREATE TABLE big(id INTEGER PRIMARY KEY, k TEXT, v TEXT)"),
                            SqlStatement.of("INSERT INTO big(k, v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                    + "SELECT x+1 FROM c WHERE x < 1000000) SELECT hex(randomblob(8)), x FROM c"),
                            SqlStatement.of("CREATE TABLE copy(id INTEGER PRIMARY KEY, k TEXT, v TEXT)"),
                            SqlStatement.of("INSERT INTO copy SELECT * FROM big WHERE id <= 200000"),
                            SqlStatement.of("SELECT count(*), sum(length(k)) FROM big WHERE v LIKE '%7%'"))));
            db.commit();
            assertThat(normalize(results.get(0))).doesNotContain("error")
                    .contains("exec id=1000000 n=1000000", "exec id=200000 n=200000", "rows [[");
            assertThat(normalize(db.query(req(false, SqlStatement.of(
                    "SELECT count(*), count(DISTINCT v % 1000) FROM big GROUP BY id % 10 ORDER BY 1 LIMIT 1")),
                    Duration.ofSeconds(60)))).isEqualTo("rows [[100000, 100]]");
        }
    }

    /** A database at {@code file} whose entry 1, committed, created the empty table t. */
    private static SqliteDatabase openWithEmptyTable(Path file) throws Exception {
        SqliteDatabase db = SqliteDatabase.open(file, new SqliteDatabase.Options(1, false,
                LogEntry.DEFAULT_STATEMENT_BUDGET));
        db.apply(1, TERM, entry(1, LogEntry.DEFAULT_STATEMENT_BUDGET,
                req(false, SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v)"))));
        db.commit();
        return db;
    }

    /** Nothing after entry 1 reached the file: the next start applies it again from the log. */
    private static void assertReopensWithTheTableEmptyAtIndex1(Path file) throws Exception {
        try (SqliteDatabase reopened = SqliteDatabase.open(file, new SqliteDatabase.Options(1, false,
                LogEntry.DEFAULT_STATEMENT_BUDGET))) {
            assertThat(reopened.appliedIndex()).isEqualTo(1);
            assertThat(normalize(reopened.query(req(false, SqlStatement.of("SELECT count(*) FROM t")),
                    Duration.ofSeconds(5)))).isEqualTo("rows [[0]]");
        }
    }

    @Test
    void stoppingTheDatabaseStopsTheEntryBeingAppliedAndRollsBackItsOpenGroup() throws Exception {
        Path file = dir.resolve("stop").resolve("main.sqlite");
        try (SqliteDatabase db = openWithEmptyTable(file)) {
            db.apply(2, TERM, entry(2, LogEntry.DEFAULT_STATEMENT_BUDGET,
                    req(false, SqlStatement.of("INSERT INTO t(v) VALUES ('uncommitted')"))));
            ExecutorService stopper = Executors.newSingleThreadExecutor();
            try {
                stopper.submit(() -> {
                    Thread.sleep(300);
                    db.stopStatements();
                    return null;
                });
                long start = System.nanoTime();
                assertThatThrownBy(() -> db.apply(3, TERM, entry(3, LogEntry.DEFAULT_STATEMENT_BUDGET,
                        req(false, SqlStatement.of(RUNAWAY_WRITE))))).isInstanceOf(NodeStoppingException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            } finally {
                stopper.shutdownNow();
            }
            assertThat(db.appliedIndex()).as("entries 2 and 3 are applied again at the next start").isEqualTo(1);
        }
        assertReopensWithTheTableEmptyAtIndex1(file);
    }

    /**
     * Ratis may go on applying committed entries while the node stops. Each then fails as stopping, never as a
     * failed database, even when SQLite's progress handler falls in the writer's own bookkeeping statements (it
     * comes every thousand steps of a cached statement, so a few hundred entries reach every one of them).
     */
    @Test
    void entriesAppliedAfterTheStopFailAsStoppingAndLeaveTheDatabaseIntact() throws Exception {
        Path file = dir.resolve("stopped").resolve("main.sqlite");
        try (SqliteDatabase db = openWithEmptyTable(file)) {
            db.stopStatements();
            for (long index = 2; index < 500; index++) {
                long at = index;
                assertThatThrownBy(() -> db.apply(at, TERM, entry(at, LogEntry.DEFAULT_STATEMENT_BUDGET,
                        req(false, SqlStatement.of("INSERT INTO t(v) VALUES ('after the stop')")))))
                        .as("entry %d", at).isInstanceOf(NodeStoppingException.class);
            }
            assertThat(db.appliedIndex()).isEqualTo(1);
            db.commit();
        }
        assertReopensWithTheTableEmptyAtIndex1(file);
    }

    @Test
    void entriesWrittenBeforeBudgetsExistedApplyWithTheDefaultBudget() {
        byte[] current = EntryCodec.encode(new LogEntry.Batch(7, 8, 1234, List.of(req(false, SqlStatement.of("SELECT 1")))));
        // Format 1 had no budget: the same bytes without the 8 bytes after the seed.
        byte[] old = new byte[current.length - 8];
        System.arraycopy(current, 0, old, 0, 18);
        System.arraycopy(current, 26, old, 18, current.length - 26);
        old[0] = 1;
        LogEntry.Batch decoded = (LogEntry.Batch) EntryCodec.decode(new ByteArrayInputStream(old));
        assertThat(decoded.statementBudget()).isEqualTo(LogEntry.DEFAULT_STATEMENT_BUDGET);
        assertThat(decoded.stampMillis()).isEqualTo(7);
        assertThat(decoded.requests().get(0).statements().get(0).sql()).isEqualTo("SELECT 1");
        assertThat(EntryCodec.stampMillis(old)).isEqualTo(7);
        assertThat(((LogEntry.Batch) EntryCodec.decode(new ByteArrayInputStream(current))).statementBudget())
                .isEqualTo(1234);
    }

    @Test
    void readsStopAtTheirTimeoutAndGiveTheirConnectionBack() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("reads").resolve("main.sqlite"),
                new SqliteDatabase.Options(2, false, LogEntry.DEFAULT_STATEMENT_BUDGET))) {
            ExecutorService clients = Executors.newFixedThreadPool(6);
            try {
                long start = System.nanoTime();
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    answers.add(clients.submit(() -> {
                        try {
                            return normalize(db.query(req(false, SqlStatement.of(RUNAWAY_READ)), Duration.ofMillis(500)));
                        } catch (IllegalStateException e) {
                            return e.getMessage();
                        }
                    }));
                }
                for (Future<String> answer : answers) {
                    assertThat(answer.get()).isIn("error 9: statement stopped: it ran past the request's timeout",
                            "all 2 read connections stayed busy for 500 ms");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                long select = System.nanoTime();
                assertThat(normalize(db.query(req(false, SqlStatement.of("SELECT 1")), Duration.ofSeconds(1))))
                        .isEqualTo("rows [[1]]");
                assertThat(Duration.ofNanos(System.nanoTime() - select)).isLessThan(Duration.ofMillis(500));
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aReadInAWriteRequestThatExceedsTheBudgetIsRefusedBeforeItIsProposed() throws Exception {
        try (SqliteDatabase db = open("dry", 2)) {
            db.apply(1, TERM, entry(1, SMALL_BUDGET, req(false, SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v)"))));
            db.commit();
            assertThat(db.refuseOverBudget(req(false, SqlStatement.of("INSERT INTO t(v) VALUES (1)"),
                    SqlStatement.of("SELECT count(*) FROM t")))).isNull();
            assertThat(normalize(db.refuseOverBudget(req(false, SqlStatement.of("INSERT INTO t(v) VALUES (1)"),
                    SqlStatement.of(RUNAWAY_READ))))).isEqualTo("error 0: not run: statement 2 of the request exceeds "
                    + "its budget, so the request was refused before it reached the log; error 9: " + BUDGET_ERROR);
        }
    }
}
