package io.halite.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the state machine and restore get back for each kind of entry, applied from its logged bytes. */
class EntryApplierTest {
    private static final long TERM = 3;

    @TempDir
    Path dir;

    private SqliteDatabase open() throws Exception {
        return SqliteDatabase.open(dir.resolve("main.sqlite"),
                new SqliteDatabase.Options(1, false, LogEntry.DEFAULT_STATEMENT_BUDGET));
    }

    private static byte[] batch(String... sql) {
        List<SqlRequest> requests = Arrays.stream(sql).map(s -> new SqlRequest(List.of(SqlStatement.of(s)), false)).toList();
        return EntryCodec.encode(new LogEntry.Batch(1_700_000_000_000L, 9, LogEntry.DEFAULT_STATEMENT_BUDGET,
                requests));
    }

    @Test
    void aBatchAnswersEachOfItsRequests() throws Exception {
        try (SqliteDatabase db = open()) {
            List<List<StatementResult>> results = EntryApplier.apply(db, 1, TERM,
                    batch("CREATE TABLE t(x)", "INSERT INTO t VALUES (current_timestamp)",
                            "INSERT INTO nope VALUES (1)"));
            db.commit();

            assertThat(results).hasSize(3);
            StatementResult.Exec insert = (StatementResult.Exec) results.get(1).get(0);
            assertThat(insert.lastInsertId()).isEqualTo(1);
            assertThat(insert.rowsAffected()).isEqualTo(1);
            assertThat(((StatementResult.Failed) results.get(2).get(0)).error()).isEqualTo("no such table: nope");
            StatementResult.Rows rows = (StatementResult.Rows) db.query(
                    new SqlRequest(List.of(SqlStatement.of("SELECT x FROM t")), false, true), Duration.ofSeconds(5)).get(0);
            assertThat(rows.values().get(0)).containsExactly("2023-11-14 22:13:20");
        }
    }

    @Test
    void aTransactionWhoseBaseMovedIsRefusedWithNoResults() throws Exception {
        try (SqliteDatabase db = open()) {
            EntryApplier.apply(db, 1, TERM, batch("CREATE TABLE t(x)"));
            byte[] stale = EntryCodec.encode(new LogEntry.Transactions(0, List.of(new LogEntry.Transaction(1, 1,
                    LogEntry.DEFAULT_STATEMENT_BUDGET,
                    List.of(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t VALUES (1)")), false))))));

            assertThat(EntryApplier.apply(db, 2, TERM, stale)).isEmpty();
            assertThat(db.appliedIndex()).isEqualTo(2);
        }
    }

    @Test
    void aLoadChunkThatFollowsNoLoadIsRefusedAsOneFailedResult() throws Exception {
        try (SqliteDatabase db = open()) {
            byte[] orphan = EntryCodec.encode(new LogEntry.LoadChunk(1, 0, 42, 3, true, new byte[] {1, 2, 3}));

            List<List<StatementResult>> results = EntryApplier.apply(db, 1, TERM, orphan);

            assertThat(results).hasSize(1);
            assertThat(((StatementResult.Failed) results.get(0).get(0)).error())
                    .isEqualTo("load refused: superseded by another load");
        }
    }
}
