package io.halite.core.engine;

import static io.halite.core.engine.RandomWorkload.req;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.LogEntry;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interactive transaction runs ahead of the log on the leader; what commits is its log entry, replayed on every
 * replica. The replay must produce exactly what the transaction saw (pinned time and randomness included), and an
 * entry whose base has moved must be refused everywhere alike.
 */
class TransactionReplayTest {
    private static final java.time.Duration READ_TIMEOUT = java.time.Duration.ofSeconds(30);
    private static final long TERM = 2;
    private static final List<String> TABLES = List.of("items", "audit", "times", "picks", "kv");

    @TempDir
    Path dir;

    private SqliteDatabase open(String name) throws Exception {
        return SqliteDatabase.open(dir.resolve(name).resolve("main.sqlite"), new SqliteDatabase.Options(2, false, LogEntry.DEFAULT_STATEMENT_BUDGET));
    }

    private static LogEntry.Requests viaCodec(LogEntry entry) {
        return (LogEntry.Requests) EntryCodec.decode(new ByteArrayInputStream(EntryCodec.encode(entry)));
    }

    /** Every table's rows, as a read inside the transaction (or after it) sees them. */
    private static SqlRequest dumpTables() {
        List<SqlStatement> selects = new ArrayList<>();
        for (String table : TABLES) {
            selects.add(SqlStatement.of("SELECT * FROM " + table + " ORDER BY 1"));
        }
        return new SqlRequest(selects, false);
    }

    private static void applyAndCommit(long index, LogEntry.Requests entry, SqliteDatabase... replicas)
            throws Exception {
        for (SqliteDatabase db : replicas) {
            db.apply(index, TERM, viaCodec(entry));
            db.commit();
        }
    }

    @Test
    void aCommittedTransactionReplaysToWhatItSawOnEveryReplica() throws Exception {
        long seed = RandomWorkload.seed();
        Random rnd = new Random(seed);
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase leader = open("leader"); SqliteDatabase follower = open("follower")) {
            List<SqlRequest> schema = new ArrayList<>();
            RandomWorkload.SCHEMA.forEach(sql -> schema.add(req(false, SqlStatement.of(sql))));
            applyAndCommit(1, new LogEntry.Batch(stamp, rnd.nextLong(), LogEntry.DEFAULT_STATEMENT_BUDGET, schema), leader, follower);
            int[] next = {0};
            long index = 1;
            for (int round = 0; round < 25; round++) {
                var speculation = leader.speculate(stamp + round * 1000L, rnd.nextLong());
                assertThat(speculation.baseIndex()).isEqualTo(index);
                List<String> seen = null;
                boolean lost = false;
                for (int r = 0; r < 1 + rnd.nextInt(6) && !lost; r++) {
                    try {
                        speculation.run(RandomWorkload.randomRequest(rnd, next));
                        seen = normalized(speculation.run(dumpTables()));
                    } catch (SqliteDatabase.SpeculationLost e) {
                        lost = true; // OR ROLLBACK: SQLite ended the transaction; nothing of it may remain
                    }
                }
                LogEntry.Transaction entry = LogEntry.Transaction.of(speculation);
                speculation.end();
                List<String> before = normalized(leader.query(dumpTables(), READ_TIMEOUT));
                if (lost || entry == null) {
                    assertThat(before).as("round %d: an ended transaction leaves nothing", round)
                            .isEqualTo(normalized(follower.query(dumpTables(), READ_TIMEOUT)));
                    continue;
                }
                assertThat(before).as("round %d: the speculative work is undone before the entry applies", round)
                        .isEqualTo(normalized(follower.query(dumpTables(), READ_TIMEOUT)));
                applyAndCommit(++index, entry, leader, follower);
                assertThat(normalized(leader.query(dumpTables(), READ_TIMEOUT))).as("round %d (seed %d): committed = seen", round, seed)
                        .isEqualTo(seen);
                assertThat(follower.checksum()).as("round %d: replicas agree", round).isEqualTo(leader.checksum());
            }
        }
    }

    @Test
    void anEntryWhoseBaseMovedIsRefusedOnEveryReplica() throws Exception {
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase leader = open("leader"); SqliteDatabase follower = open("follower")) {
            applyAndCommit(1, new LogEntry.Batch(stamp, 1, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false,
                    SqlStatement.of("CREATE TABLE acc(id INTEGER PRIMARY KEY, bal INTEGER)"),
                    SqlStatement.of("INSERT INTO acc VALUES (1, 100), (2, 100)")))), leader, follower);
            var speculation = leader.speculate(stamp, 2);
            speculation.run(req(false, SqlStatement.of("UPDATE acc SET bal = bal - 30 WHERE id = 1"),
                    SqlStatement.of("UPDATE acc SET bal = bal + 30 WHERE id = 2")));
            LogEntry.Transaction entry = LogEntry.Transaction.of(speculation);
            speculation.end();
            assertThat(entry.baseIndex()).isEqualTo(1);
            // Another write reached the log first.
            applyAndCommit(2, new LogEntry.Batch(stamp, 3, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false,
                    SqlStatement.of("UPDATE acc SET bal = 0 WHERE id = 1")))), leader, follower);
            for (SqliteDatabase db : List.of(leader, follower)) {
                assertThat(db.apply(3, TERM, viaCodec(entry))).as("refused: no results").isEmpty();
                db.commit();
                assertThat(db.appliedIndex()).isEqualTo(3);
                assertThat(normalized(db.query(req(false, SqlStatement.of("SELECT * FROM acc ORDER BY id")), READ_TIMEOUT)))
                        .containsExactly("[rows [id, bal][integer, integer] id=0 n=0 wrote=false (Long:1,Long:0,) (Long:2,Long:100,)]");
            }
        }
    }

    @Test
    void statementsFailAloneButAFailedAtomicRequestLeavesNothingInTheEntry() throws Exception {
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase db = open("db")) {
            applyAndCommit(1, new LogEntry.Batch(stamp, 1, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false,
                    SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")))), db);
            var speculation = db.speculate(stamp, 2);
            List<StatementResult> first = speculation.run(req(false,
                    SqlStatement.of("INSERT INTO t VALUES (1, 'a')"),
                    SqlStatement.of("INSERT INTO t VALUES (1, 'dup')"),
                    SqlStatement.of("SELECT count(*) FROM t")));
            assertThat(first.get(1)).isInstanceOfSatisfying(StatementResult.Failed.class, f -> {
                assertThat(f.error()).isEqualTo("UNIQUE constraint failed: t.id");
                assertThat(f.code()).isEqualTo(19);
            });
            speculation.run(req(true, SqlStatement.of("INSERT INTO t VALUES (2, 'b')"), SqlStatement.of("INSERT INTO t VALUES (1, 'x')")));
            LogEntry.Transaction entry = LogEntry.Transaction.of(speculation);
            speculation.end();
            assertThat(entry.requests()).hasSize(1);
            assertThat(entry.requests().get(0).statements()).extracting(SqlStatement::sql)
                    .containsExactly("INSERT INTO t VALUES (1, 'a')", "INSERT INTO t VALUES (1, 'dup')");

            var rolledBack = db.speculate(stamp, 3);
            rolledBack.run(req(false, SqlStatement.of("INSERT INTO t VALUES (5, 'e')")));
            assertThatThrownBy(() -> rolledBack.run(req(false, SqlStatement.of("INSERT OR ROLLBACK INTO t VALUES (5, 'again')"))))
                    .isInstanceOf(SqliteDatabase.SpeculationLost.class)
                    .hasMessage("SQLite rolled back the transaction: UNIQUE constraint failed: t.id");
            rolledBack.end();
            assertThat(normalized(db.query(req(false, SqlStatement.of("SELECT count(*) FROM t")), READ_TIMEOUT)))
                    .containsExactly("[rows [count(*)][integer] id=0 n=0 wrote=false (Long:0,)]");
        }
    }

    private static List<String> normalized(List<StatementResult> results) {
        List<String> out = new ArrayList<>();
        for (StatementResult result : results) {
            out.add(DeterminismTest.normalize(List.of(result)));
        }
        return out;
    }
}
