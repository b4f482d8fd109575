package io.halite.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HaliteNodeTest {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void writesAreAppliedAndSurviveRestart() throws Exception {
        NodeConfig config = NodeConfig.singleNode("n1", dir, "127.0.0.1:" + freePort());
        long createdAt;
        try (HaliteNode node = HaliteNode.start(config, e -> { throw new AssertionError(e); })) {
            assertThat(node.awaitReady(Duration.ofSeconds(10))).isTrue();
            WriteOutcome created = node.write(new SqlRequest(List.of(
                    SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP)"),
                    SqlStatement.of("INSERT INTO t(v) VALUES(?)", "a")), false)).get();
            assertThat(((StatementResult.Exec) created.results().get(1)).lastInsertId()).isEqualTo(1);
            assertThat(created.raftIndex()).isPositive();
            createdAt = created.raftIndex();
            var read = node.read(new SqlRequest(List.of(SqlStatement.of("SELECT id, v FROM t")), false),
                    ReadRequest.at(ReadLevel.LINEARIZABLE), Duration.ofSeconds(5));
            StatementResult.Rows rows = (StatementResult.Rows) read.results().get(0);
            assertThat(rows.values()).hasSize(1);
            assertThat(rows.types()).containsExactly("integer", "text");
        }
        try (HaliteNode node = HaliteNode.start(config, e -> { throw new AssertionError(e); })) {
            // Read locally once the write is applied again; without min_index a node catching up at start refuses.
            var read = node.read(new SqlRequest(List.of(SqlStatement.of("SELECT count(*) FROM t")), false),
                    new ReadRequest(ReadLevel.NONE, null, false, createdAt), Duration.ofSeconds(5));
            assertThat(((StatementResult.Rows) read.results().get(0)).values().get(0)[0]).isEqualTo(1L);
            WriteOutcome more = node.write(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(v) VALUES('b')")), false)).get();
            assertThat(((StatementResult.Exec) more.results().get(0)).lastInsertId()).isEqualTo(2);
            // What an application runs at every start: SQLite compiles it to a journal-mode query, not a change.
            WriteOutcome again = node.write(new SqlRequest(List.of(SqlStatement.of(
                    "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP)")),
                    false)).get();
            assertThat(again.results().get(0)).isInstanceOf(StatementResult.Exec.class);
        }
    }

    @Test
    void durablePointsAdvanceAndARestartStillHasEverything() throws Exception {
        NodeConfig config = NodeConfig.singleNode("n1", dir, "127.0.0.1:" + freePort()).withSnapshotEvery(16);
        int writes = 200;
        try (HaliteNode node = HaliteNode.start(config, e -> { throw new AssertionError(e); })) {
            assertThat(node.awaitReady(Duration.ofSeconds(10))).isTrue();
            node.write(new SqlRequest(List.of(SqlStatement.of("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")), false)).get();
            for (int i = 0; i < writes; i++) {
                // One at a time, so that each request is its own log entry.
                node.write(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(v) VALUES(?)", "v" + i)), false)).get();
            }
            assertThat(node.status().snapshotIndex())
                    .as("durable points (Ratis snapshots) are taken every 16 entries")
                    .isGreaterThan(writes - 32L);
        }
        try (HaliteNode node = HaliteNode.start(config, e -> { throw new AssertionError(e); })) {
            assertThat(node.awaitReady(Duration.ofSeconds(10))).isTrue();
            var read = node.read(new SqlRequest(List.of(SqlStatement.of("SELECT count(*), max(v) FROM t")), false),
                    ReadRequest.at(ReadLevel.LINEARIZABLE), Duration.ofSeconds(5));
            Object[] row = ((StatementResult.Rows) read.results().get(0)).values().get(0);
            assertThat(row[0]).isEqualTo((long) writes);
        }
    }
}
