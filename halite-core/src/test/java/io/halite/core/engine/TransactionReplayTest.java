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

    /** What the leader's applier does around a chain: takes the writer back, applies, tells the chain. */
    private static List<List<StatementResult>> applyOnLeader(SqliteDatabase leader, SqliteDatabase.Speculation chain,
                                                             long index, LogEntry.Requests entry) throws Exception {
        chain.suspend();
        List<List<StatementResult>> results = leader.apply(index, TERM, viaCodec(entry));
        leader.commit();
        chain.applied(index, results.isEmpty() ? null : entry);
        return results;
    }

    private static LogEntry.Transactions entryOf(long base, List<Settled> group) {
        return new LogEntry.Transactions(base, group.stream().map(s -> LogEntry.Transaction.of(s.part())).toList());
    }

    /** A transaction settled into the chain, and the tables as it saw them just before. */
    private record Settled(EntryWrites.Part part, List<String> seen) {}

    @Test
    void pipelinedTransactionsReplayToWhatEachSawOnEveryReplica() throws Exception {
        long seed = RandomWorkload.seed();
        Random rnd = new Random(seed);
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase leader = open("leader"); SqliteDatabase follower = open("follower");
             SqliteDatabase stepper = open("stepper")) {
            List<SqlRequest> schema = new ArrayList<>();
            RandomWorkload.SCHEMA.forEach(sql -> schema.add(req(false, SqlStatement.of(sql))));
            applyAndCommit(1, new LogEntry.Batch(stamp, rnd.nextLong(), LogEntry.DEFAULT_STATEMENT_BUDGET, schema),
                    leader, follower, stepper);
            int[] next = {0};
            long index = 1;
            long stepperIndex = 1;
            SqliteDatabase.Speculation chain = leader.speculate();
            List<Settled> waiting = new ArrayList<>();
            List<Settled> inFlight = List.of();
            int settledCount = 0;
            int groupsOfSeveral = 0;
            int replays = 0;
            for (int round = 0; round < 80; round++) {
                chain.open(stamp + round * 1000L, rnd.nextLong());
                boolean lost = false;
                List<String> seen = null;
                for (int r = 0; r < 1 + rnd.nextInt(5) && !lost; r++) {
                    if (!inFlight.isEmpty() && rnd.nextInt(3) == 0) {
                        // The entry in flight is committed: the applier takes the writer back in the middle of this
                        // transaction, which replays the chain at its next statement.
                        LogEntry.Transactions entry = entryOf(index, inFlight);
                        assertThat(applyOnLeader(leader, chain, ++index, entry)).as("seed %d", seed).isNotEmpty();
                        assertThat(follower.apply(index, TERM, viaCodec(entry))).isNotEmpty();
                        follower.commit();
                        assertThat(normalized(follower.query(dumpTables(), READ_TIMEOUT)))
                                .as("round %d (seed %d): the group's last transaction saw this", round, seed)
                                .isEqualTo(inFlight.get(inFlight.size() - 1).seen());
                        groupsOfSeveral += inFlight.size() > 1 ? 1 : 0;
                        replays++;
                        inFlight = List.of();
                    }
                    try {
                        chain.run(RandomWorkload.randomRequest(rnd, next));
                        seen = normalized(chain.run(dumpTables()));
                    } catch (SqliteDatabase.SpeculationLost e) {
                        lost = true; // OR ROLLBACK: SQLite ended the transaction (and undid the chain's work)
                        assertThat(e.conflict()).isFalse();
                    }
                }
                if (lost) {
                    continue;
                }
                if (rnd.nextInt(8) == 0) {
                    chain.abandon(); // the client rolled it back
                    continue;
                }
                EntryWrites.Part part = chain.settle();
                if (part == null) {
                    continue; // it only read
                }
                Settled settled = new Settled(part, seen);
                waiting.add(settled);
                settledCount++;
                // Each transaction alone, as entries of one, on a replica of its own: what it saw, exactly.
                applyAndCommit(++stepperIndex, entryOf(stepperIndex - 1, List.of(settled)), stepper);
                assertThat(normalized(stepper.query(dumpTables(), READ_TIMEOUT)))
                        .as("round %d (seed %d): the transaction's entry replays to what it saw", round, seed)
                        .isEqualTo(seen);
                if (inFlight.isEmpty()) {
                    inFlight = List.copyOf(waiting);
                    waiting.clear();
                }
            }
            for (List<Settled> group : List.of(inFlight, List.copyOf(waiting))) {
                if (!group.isEmpty()) {
                    LogEntry.Transactions entry = entryOf(index, group);
                    applyOnLeader(leader, chain, ++index, entry);
                    follower.apply(index, TERM, viaCodec(entry));
                    follower.commit();
                }
            }
            chain.end();
            System.out.printf("seed %d: %d transactions settled, %d groups of several, %d replays%n", seed,
                    settledCount, groupsOfSeveral, replays);
            assertThat(groupsOfSeveral).as("some entries carried several transactions").isPositive();
            assertThat(follower.checksum()).as("seed %d: replicas agree", seed).isEqualTo(leader.checksum());
            assertThat(stepper.checksum()).as("seed %d: one transaction per entry ends alike", seed)
                    .isEqualTo(leader.checksum());
        }
    }

    @Test
    void anEntryOfTheChainRefusedOnAMovedBaseAbortsExactlyTheTransactionsBuiltOnIt() throws Exception {
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase leader = open("leader"); SqliteDatabase follower = open("follower")) {
            applyAndCommit(1, new LogEntry.Batch(stamp, 1, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false,
                    SqlStatement.of("CREATE TABLE acc(id INTEGER PRIMARY KEY, bal INTEGER)"),
                    SqlStatement.of("INSERT INTO acc VALUES (1, 100), (2, 100)")))), leader, follower);
            SqliteDatabase.Speculation chain = leader.speculate();
            // t1 commits on its own; t2 and t3 settle on top of it while its entry is in flight; t4 is open.
            EntryWrites.Part t1 = settle(chain, stamp, 11, "UPDATE acc SET bal = bal - 10 WHERE id = 1");
            LogEntry.Transactions first = new LogEntry.Transactions(1, List.of(LogEntry.Transaction.of(t1)));
            EntryWrites.Part t2 = settle(chain, stamp, 12, "UPDATE acc SET bal = bal - 20 WHERE id = 1");
            EntryWrites.Part t3 = settle(chain, stamp, 13, "UPDATE acc SET bal = bal + 30 WHERE id = 2");
            chain.open(stamp, 14);
            chain.run(req(false, SqlStatement.of("UPDATE acc SET bal = 0 WHERE id = 2")));
            assertThat(chain.settledCount()).isEqualTo(3);

            assertThat(applyOnLeader(leader, chain, 2, first)).hasSize(1);
            follower.apply(2, TERM, viaCodec(first));
            follower.commit();
            assertThat(chain.baseIndex()).isEqualTo(2);
            assertThat(chain.settledCount()).as("t1 left the chain").isEqualTo(2);
            // A write forwarded by a follower reaches the log before the entry of t2 and t3.
            LogEntry.Batch forwarded = new LogEntry.Batch(stamp, 15, LogEntry.DEFAULT_STATEMENT_BUDGET,
                    List.of(req(false, SqlStatement.of("INSERT INTO acc VALUES (3, 1)"))));
            applyOnLeader(leader, chain, 3, forwarded);
            follower.apply(3, TERM, viaCodec(forwarded));
            follower.commit();
            assertThat(chain.broken()).isTrue();
            LogEntry.Transactions second = new LogEntry.Transactions(2,
                    List.of(LogEntry.Transaction.of(t2), LogEntry.Transaction.of(t3)));
            assertThat(applyOnLeader(leader, chain, 4, second)).as("refused on the leader").isEmpty();
            assertThat(follower.apply(4, TERM, viaCodec(second))).as("refused on the follower").isEmpty();
            follower.commit();
            assertThatThrownBy(() -> chain.run(req(false, SqlStatement.of("SELECT 1"))))
                    .isInstanceOfSatisfying(SqliteDatabase.SpeculationLost.class, e -> {
                        assertThat(e.conflict()).isTrue();
                        assertThat(e.getMessage()).isEqualTo("another write reached the log while it ran; retry it");
                    });
            chain.end();

            String expected = "[rows [id, bal][integer, integer] id=0 n=0 wrote=false (Long:1,Long:90,) (Long:2,Long:100,) "
                    + "(Long:3,Long:1,)]";
            for (SqliteDatabase db : List.of(leader, follower)) {
                assertThat(normalized(db.query(req(false, SqlStatement.of("SELECT * FROM acc ORDER BY id")),
                        READ_TIMEOUT))).as("t1 and the forwarded write only").containsExactly(expected);
            }
            assertThat(follower.checksum()).isEqualTo(leader.checksum());
            // A new chain starts on the moved base.
            SqliteDatabase.Speculation next = leader.speculate();
            assertThat(next.baseIndex()).isEqualTo(4);
            EntryWrites.Part retried = settle(next, stamp, 16, "UPDATE acc SET bal = bal - 20 WHERE id = 1");
            assertThat(applyOnLeader(leader, next, 5,
                    new LogEntry.Transactions(4, List.of(LogEntry.Transaction.of(retried))))).hasSize(1);
            next.end();
        }
    }

    private static EntryWrites.Part settle(SqliteDatabase.Speculation chain, long stamp, long seed, String sql)
            throws Exception {
        chain.open(stamp, seed);
        chain.run(req(false, SqlStatement.of(sql)));
        return chain.settle();
    }

    @Test
    void statementsFailAloneButAFailedAtomicRequestLeavesNothingInTheEntry() throws Exception {
        long stamp = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (SqliteDatabase db = open("db")) {
            applyAndCommit(1, new LogEntry.Batch(stamp, 1, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false,
                    SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")))), db);
            var speculation = db.speculate();
            speculation.open(stamp, 2);
            List<StatementResult> first = speculation.run(req(false,
                    SqlStatement.of("INSERT INTO t VALUES (1, 'a')"),
                    SqlStatement.of("INSERT INTO t VALUES (1, 'dup')"),
                    SqlStatement.of("SELECT count(*) FROM t")));
            assertThat(first.get(1)).isInstanceOfSatisfying(StatementResult.Failed.class, f -> {
                assertThat(f.error()).isEqualTo("UNIQUE constraint failed: t.id");
                assertThat(f.code()).isEqualTo(19);
            });
            speculation.run(req(true, SqlStatement.of("INSERT INTO t VALUES (2, 'b')"), SqlStatement.of("INSERT INTO t VALUES (1, 'x')")));
            LogEntry.Transaction entry = LogEntry.Transaction.of(speculation.settle());
            speculation.end();
            assertThat(entry.requests()).hasSize(1);
            assertThat(entry.requests().get(0).statements()).extracting(SqlStatement::sql)
                    .containsExactly("INSERT INTO t VALUES (1, 'a')", "INSERT INTO t VALUES (1, 'dup')");

            var rolledBack = db.speculate();
            rolledBack.open(stamp, 3);
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
