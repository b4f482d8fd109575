package io.halite.core.engine;

import static io.halite.core.engine.RandomWorkload.req;
import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.log.LogEntry;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database's log position lives outside the user's schema (the header's stamp and a durable point beside the
 * file) and stays exact across crashes, restarts, loads and upgrades from the old state table.
 */
class LogPositionTest {
    private static final long TERM = 7;

    @TempDir
    Path dir;

    private static SqliteDatabase open(Path file) throws Exception {
        return SqliteDatabase.open(file, new SqliteDatabase.Options(1, false, LogEntry.DEFAULT_STATEMENT_BUDGET));
    }

    private static LogEntry.Batch entry(SqlStatement... statements) {
        return new LogEntry.Batch(1, 1, LogEntry.DEFAULT_STATEMENT_BUDGET, List.of(req(false, statements)));
    }

    private static List<String> rows(SqliteDatabase db, String sql) throws Exception {
        StatementResult result = db.query(req(false, SqlStatement.of(sql)), Duration.ofSeconds(5)).get(0);
        List<String> out = new ArrayList<>();
        ((StatementResult.Rows) result).values().forEach(row -> out.add(Arrays.toString(row)));
        return out;
    }

    private static void copyFiles(Path from, Path to) throws Exception {
        for (String suffix : List.of("", "-wal", ".position", ".load", ".load.progress")) {
            Path file = Path.of(from + suffix);
            if (Files.exists(file)) {
                Files.copy(file, Path.of(to + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void theUsersSchemaHoldsNothingOfHalitesAndNeitherDoCopies() throws Exception {
        Path file = dir.resolve("schema").resolve("main.sqlite");
        try (SqliteDatabase db = open(file)) {
            db.apply(1, TERM, entry(SqlStatement.of("CREATE TABLE a(id INTEGER PRIMARY KEY, v)"),
                    SqlStatement.of("CREATE INDEX a_v ON a(v)"), SqlStatement.of("CREATE VIEW av AS SELECT v FROM a"),
                    SqlStatement.of("INSERT INTO a(v) VALUES (1)")));
            db.commit();
            assertThat(rows(db, "SELECT type, name FROM sqlite_schema ORDER BY name"))
                    .containsExactly("[table, a]", "[index, a_v]", "[view, av]");
            db.apply(2, TERM, entry(SqlStatement.of("DROP VIEW av"), SqlStatement.of("DROP TABLE a")));
            db.commit();
            assertThat(rows(db, "SELECT name FROM sqlite_schema")).isEmpty();
            assertThat(rows(db, "SELECT name FROM pragma_table_list WHERE name NOT LIKE 'sqlite_%'")).isEmpty();
            assertThat(db.appliedIndex()).isEqualTo(2);

            Path copy = dir.resolve("copy.sqlite");
            SqliteDatabase.ImageState state = db.backupTo(copy);
            assertThat(state).isEqualTo(new SqliteDatabase.ImageState(2, TERM, false));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
                 ResultSet rs = c.createStatement().executeQuery(
                         "SELECT (SELECT count(*) FROM sqlite_schema), (SELECT * FROM pragma_application_id)")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
                assertThat(rs.getLong(2)).as("the copy's stamp is cleared").isZero();
            }
            java.io.StringWriter dump = new java.io.StringWriter();
            db.dumpTo(dump);
            assertThat(dump.toString()).isEqualTo("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n");

            List<List<StatementResult>> refused = db.apply(3, TERM, entry(SqlStatement.of("PRAGMA application_id = 5")));
            assertThat(((StatementResult.Failed) refused.get(0).get(0)).error())
                    .isEqualTo("setting PRAGMA application_id is not allowed: it is managed by Halite on every replica");
        }
        try (SqliteDatabase db = open(file)) {
            assertThat(db.appliedIndex()).isEqualTo(3);
            assertThat(db.appliedTerm()).isEqualTo(TERM);
        }
    }

    /**
     * A crash after commits that were not made durable: the file says how far it got (its stamp), the durable
     * point is behind; the term of the last entry is learned when the log replays it.
     */
    @Test
    void afterACrashTheAppliedIndexIsExactAndItsTermIsLearnedFromTheLog() throws Exception {
        Path live = dir.resolve("live").resolve("main.sqlite");
        Path crashed = dir.resolve("crashed").resolve("main.sqlite");
        Files.createDirectories(crashed.getParent());
        try (SqliteDatabase db = open(live)) {
            db.apply(10, TERM, entry(SqlStatement.of("CREATE TABLE t(v)")));
            assertThat(db.syncDurable()).isEqualTo(new LogPosition.Point(10, TERM));
            for (int i = 11; i <= 20; i++) {
                db.apply(i, TERM + 1, entry(SqlStatement.of("INSERT INTO t VALUES (?)", (long) i)));
                db.commit();
            }
            db.apply(21, TERM + 1, entry(SqlStatement.of("INSERT INTO t VALUES (21)"))); // not committed
            copyFiles(live, crashed);
        }
        try (SqliteDatabase db = open(crashed)) {
            assertThat(db.appliedIndex()).isEqualTo(20);
            assertThat(db.appliedTerm()).isEqualTo(LogPosition.UNKNOWN_TERM);
            assertThat(db.durable()).isEqualTo(new LogPosition.Point(10, TERM));
            assertThat(rows(db, "SELECT count(*) FROM t")).containsExactly("[10]");
            assertThat(db.backupTo(dir.resolve("early-copy.sqlite")).appliedTerm())
                    .as("a copy taken now cannot say its term").isEqualTo(LogPosition.UNKNOWN_TERM);
            assertThat(db.syncDurable()).as("no durable point without a term").isEqualTo(new LogPosition.Point(10, TERM));
            db.learnTerm(19, TERM + 1);
            assertThat(db.appliedTerm()).isEqualTo(LogPosition.UNKNOWN_TERM);
            db.learnTerm(20, TERM + 1);
            assertThat(db.appliedTerm()).isEqualTo(TERM + 1);
            assertThat(db.syncDurable()).isEqualTo(new LogPosition.Point(20, TERM + 1));
        }
    }

    @Test
    void theStampIsReadAcrossThe32BitBoundary() {
        long base = (1L << 32) - 5;
        assertThat(LogPosition.applied(base, (int) base)).isEqualTo(base);
        assertThat(LogPosition.applied(base, (int) ((1L << 32) + 3))).isEqualTo((1L << 32) + 3);
        assertThat(LogPosition.applied(0, 25)).isEqualTo(25);
        assertThat(LogPosition.applied(4096, (int) 4100L)).isEqualTo(4100);
        assertThat(LogPosition.applied(3L << 32, -1)).isEqualTo((3L << 32) + 0xFFFFFFFFL);
    }

    @Test
    void aDatabaseWrittenBeforeTheMoveHasItsStateTableMovedOut() throws Exception {
        Path file = dir.resolve("legacy").resolve("main.sqlite");
        Files.createDirectories(file.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE _halite_state(id INTEGER PRIMARY KEY CHECK (id = 1), applied_index INTEGER NOT "
                    + "NULL, applied_term INTEGER NOT NULL, load_id INTEGER NOT NULL DEFAULT 0, load_sequence INTEGER "
                    + "NOT NULL DEFAULT 0, load_bytes INTEGER NOT NULL DEFAULT 0)");
            s.execute("INSERT INTO _halite_state(id, applied_index, applied_term) VALUES (1, 4242, 9)");
            s.execute("CREATE TABLE users(name)");
            s.execute("INSERT INTO users VALUES ('ada')");
        }
        for (int start = 0; start < 2; start++) {
            try (SqliteDatabase db = open(file)) {
                assertThat(db.appliedIndex()).isEqualTo(4242);
                assertThat(db.appliedTerm()).isEqualTo(9);
                assertThat(rows(db, "SELECT name FROM sqlite_schema")).containsExactly("[users]");
                assertThat(rows(db, "SELECT name FROM users")).containsExactly("[ada]");
            }
        }
    }

    /**
     * A crash after a load chunk was staged but before its entry committed: the chunk is applied again and must not
     * be appended twice.
     */
    @Test
    void aLoadChunkAppliedAgainAfterACrashIsNotStagedTwice() throws Exception {
        Path image = dir.resolve("image.sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE loaded(id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO loaded(v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < "
                    + "2000) SELECT printf('row %d', x) FROM c");
        }
        byte[] bytes = Files.readAllBytes(image);
        int third = bytes.length / 3;
        List<LogEntry.LoadChunk> chunks = List.of(
                new LogEntry.LoadChunk(1, 1, 77, 0, false, Arrays.copyOfRange(bytes, 0, third)),
                new LogEntry.LoadChunk(1, 1, 77, 1, false, Arrays.copyOfRange(bytes, third, 2 * third)),
                new LogEntry.LoadChunk(1, 1, 77, 2, true, Arrays.copyOfRange(bytes, 2 * third, bytes.length)));
        Path live = dir.resolve("load-live").resolve("main.sqlite");
        Path crashed = dir.resolve("load-crashed").resolve("main.sqlite");
        Files.createDirectories(crashed.getParent());
        try (SqliteDatabase db = open(live)) {
            db.applyLoadChunk(1, TERM, chunks.get(0));
            db.commit();
            db.applyLoadChunk(2, TERM, chunks.get(1)); // staged, its entry not committed
            copyFiles(live, crashed);
        }
        try (SqliteDatabase db = open(crashed)) {
            assertThat(db.appliedIndex()).isEqualTo(1);
            assertThat(db.backupTo(dir.resolve("mid-load.sqlite")).midLoad()).isTrue();
            assertThat(db.applyLoadChunk(2, TERM, chunks.get(1))).isNull();
            assertThat(db.applyLoadChunk(3, TERM, chunks.get(2))).isNull();
            db.commit();
            assertThat(db.appliedIndex()).isEqualTo(3);
            assertThat(rows(db, "SELECT count(*), max(v) FROM loaded")).containsExactly("[2000, row 999]");
            assertThat(db.backupTo(dir.resolve("after-load.sqlite"))).isEqualTo(new SqliteDatabase.ImageState(3, TERM, false));
        }
        assertThat(Files.exists(Path.of(crashed + ".load"))).as("the staged image is gone").isFalse();
        assertThat(Files.exists(Path.of(crashed + ".load.progress"))).isFalse();
    }
}
