package io.halite.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.engine.StatementPolicy.Mode;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which statements the policy lets run on the write path (applied from the log) and the read path, and the exact
 * reasons clients are given for the others (they reach them as the statement's error).
 */
class StatementPolicyTest {
    private static final String TRANSACTION_CONTROL = "transaction control statements (BEGIN, COMMIT, ROLLBACK, "
            + "SAVEPOINT, RELEASE) are not allowed here; send the statements in one request with the transaction "
            + "parameter";
    private static final String ATTACH = "ATTACH and DETACH are not allowed: every replica must hold exactly one "
            + "database file";
    private static final String LOAD_EXTENSION = "load_extension() is not allowed: extensions loaded on one node "
            + "would make replicas differ";
    private static final String VACUUM = "VACUUM is not allowed through the API: it rewrites the file outside the "
            + "replicated log";
    private static final String TEMP = "temporary tables, views and triggers are not allowed in writes: they live in "
            + "one connection and would differ between replicas";

    @TempDir
    Path dir;
    private Connection connection;
    private final StatementPolicy policy = new StatementPolicy();

    @BeforeEach
    void open() throws SQLException {
        connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("main.sqlite"));
        try (java.sql.Statement s = connection.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
    }

    private String refusal(String sql, Mode mode) throws SQLException {
        return policy.refusal(connection, sql, mode);
    }

    private void assertRefusedInBothModes(String sql, String reason) throws SQLException {
        assertThat(refusal(sql, Mode.WRITE)).as("write: %s", sql).isEqualTo(reason);
        assertThat(refusal(sql, Mode.READ)).as("read: %s", sql).isEqualTo(reason);
    }

    @Test
    void ordinaryReadsWritesAndSchemaChangesAreAllowedInWrites() throws SQLException {
        for (String sql : new String[] {"SELECT * FROM t", "INSERT INTO t(v) VALUES (1)", "UPDATE t SET v = 2",
                "DELETE FROM t", "CREATE TABLE u(x)", "CREATE INDEX tv ON t(v)", "DROP TABLE t",
                "CREATE VIEW w AS SELECT v FROM t", "ALTER TABLE t ADD COLUMN w", "ANALYZE", "REINDEX",
                "CREATE TRIGGER tt AFTER INSERT ON t BEGIN UPDATE t SET v = 0; END",
                "WITH c(x) AS (SELECT 1) INSERT INTO t(v) SELECT x FROM c", "SELECT random(), datetime('now')"}) {
            assertThat(refusal(sql, Mode.WRITE)).as(sql).isNull();
        }
    }

    @Test
    void readsAreAllowedOnTheReadPathAndWritesAreLeftToTheReadOnlyCheck() throws SQLException {
        assertThat(refusal("SELECT v FROM t WHERE id = ?", Mode.READ)).isNull();
        // A write on the read path is not the policy's to refuse: the runner refuses it as rqlite words it.
        assertThat(refusal("INSERT INTO t(v) VALUES (1)", Mode.READ)).isNull();
    }

    @Test
    void transactionControlIsRefusedEverywhereWhateverItsSpelling() throws SQLException {
        for (String sql : new String[] {"BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE TRANSACTION", "COMMIT", "END",
                "ROLLBACK", "SAVEPOINT a", "RELEASE a", "RELEASE SAVEPOINT a", "ROLLBACK TO a", "  /* x */ begin"}) {
            assertRefusedInBothModes(sql, TRANSACTION_CONTROL);
        }
    }

    @Test
    void attachDetachAndLoadExtensionAreRefusedEverywhere() throws SQLException {
        assertRefusedInBothModes("ATTACH DATABASE 'other.sqlite' AS other", ATTACH);
        assertRefusedInBothModes("DETACH other", ATTACH);
        assertRefusedInBothModes("SELECT load_extension('evil')", LOAD_EXTENSION);
        assertRefusedInBothModes("INSERT INTO t(v) VALUES (load_extension('evil'))", LOAD_EXTENSION);
    }

    @Test
    void vacuumAndTempObjectsAreRefusedInWritesOnly() throws SQLException {
        assertThat(refusal("VACUUM", Mode.WRITE)).isEqualTo(VACUUM);
        for (String sql : new String[] {"CREATE TEMP TABLE scratch(x)", "CREATE TEMPORARY VIEW v AS SELECT 1",
                "CREATE TABLE temp.scratch(x)"}) {
            assertThat(refusal(sql, Mode.WRITE)).as(sql).isEqualTo(TEMP);
        }
        // On a reader they are harmless to replicas; the read-only check still keeps them from running there.
        assertThat(refusal("VACUUM", Mode.READ)).isNull();
        assertThat(refusal("CREATE TEMP TABLE scratch(x)", Mode.READ)).isNull();
    }

    @Test
    void introspectionPragmasAreAllowedEverywhere() throws SQLException {
        for (String sql : new String[] {"PRAGMA table_info(t)", "PRAGMA main.table_info(t)", "pragma USER_VERSION",
                "PRAGMA journal_mode", "PRAGMA integrity_check", "PRAGMA foreign_key_check", "PRAGMA page_count",
                "PRAGMA compile_options", "-- why\nPRAGMA schema_version"}) {
            assertThat(refusal(sql, Mode.WRITE)).as("write: %s", sql).isNull();
            assertThat(refusal(sql, Mode.READ)).as("read: %s", sql).isNull();
        }
    }

    @Test
    void otherPragmasAreRefusedEverywhereNamingThem() throws SQLException {
        for (String name : new String[] {"wal_checkpoint", "synchronous", "cache_size", "temp_store",
                "writable_schema", "recursive_triggers", "busy_timeout", "optimize"}) {
            assertRefusedInBothModes("PRAGMA " + name, "PRAGMA " + name + " is not allowed: it changes connection "
                    + "or file settings that Halite manages on every replica");
        }
        assertRefusedInBothModes("PRAGMA main.synchronous = OFF", "PRAGMA synchronous is not allowed: it changes "
                + "connection or file settings that Halite manages on every replica");
    }

    @Test
    void onlyUserVersionMayBeSetAndOnlyInAWrite() throws SQLException {
        assertThat(refusal("PRAGMA user_version = 7", Mode.WRITE)).isNull();
        assertThat(refusal("PRAGMA main.user_version=7", Mode.WRITE)).isNull();
        assertThat(refusal("PRAGMA user_version = 7", Mode.READ))
                .isEqualTo("PRAGMA user_version = ... changes the database; send it as a write");
        // application_id holds Halite's log position; the journal mode and foreign keys are Halite's to set.
        for (String name : new String[] {"application_id", "journal_mode", "foreign_keys"}) {
            String reason = "setting PRAGMA " + name + " is not allowed: it is managed by Halite on every replica";
            assertRefusedInBothModes("PRAGMA " + name + " = 1", reason);
        }
    }

    @Test
    void settingAPragmaInParenthesesIsJudgedAsSettingItWithAnEqualsSign() throws SQLException {
        assertThat(refusal("PRAGMA user_version(7)", Mode.WRITE)).isNull();
        assertThat(refusal("PRAGMA user_version(7)", Mode.READ))
                .isEqualTo("PRAGMA user_version = ... changes the database; send it as a write");
        assertThat(policy.writes(connection, "PRAGMA user_version(7)")).isTrue();
        for (String name : new String[] {"schema_version", "journal_mode", "foreign_keys", "page_size"}) {
            assertRefusedInBothModes("PRAGMA " + name + "(1)",
                    "setting PRAGMA " + name + " is not allowed: it is managed by Halite on every replica");
        }
        // Where the argument names what to look at, parentheses are still a read.
        for (String sql : new String[] {"PRAGMA table_info(t)", "PRAGMA index_list('t')", "PRAGMA integrity_check(t)",
                "PRAGMA foreign_key_check(t)"}) {
            assertThat(refusal(sql, Mode.READ)).as(sql).isNull();
            assertThat(policy.writes(connection, sql)).as(sql).isFalse();
        }
    }

    @Test
    void explainDescribesAnyStatementWithoutRunningItAndIsARead() throws SQLException {
        for (String sql : new String[] {"EXPLAIN SELECT * FROM t", "EXPLAIN QUERY PLAN SELECT * FROM t WHERE v = 1",
                "explain insert into t(v) values (1)", "EXPLAIN QUERY PLAN DELETE FROM t", "EXPLAIN BEGIN",
                "EXPLAIN VACUUM", "/* plan */ EXPLAIN QUERY PLAN CREATE TEMP TABLE x(y)"}) {
            assertThat(refusal(sql, Mode.READ)).as("read: %s", sql).isNull();
            assertThat(refusal(sql, Mode.WRITE)).as("write: %s", sql).isNull();
            assertThat(policy.writes(connection, sql)).as(sql).isFalse();
        }
    }

    @Test
    void anExplainedPragmaIsJudgedAsThePragmaBecauseSqliteRunsSomeWhileCompiling() throws SQLException {
        assertRefusedInBothModes("EXPLAIN PRAGMA foreign_keys = OFF",
                "setting PRAGMA foreign_keys is not allowed: it is managed by Halite on every replica");
        assertRefusedInBothModes("EXPLAIN QUERY PLAN PRAGMA synchronous", "PRAGMA synchronous is not allowed: it "
                + "changes connection or file settings that Halite manages on every replica");
        assertThat(refusal("EXPLAIN PRAGMA table_info(t)", Mode.READ)).isNull();
        assertThat(policy.writes(connection, "EXPLAIN PRAGMA user_version = 1")).isTrue();
    }

    @Test
    void aQueryPlanIsAnsweredOnTheReadPath() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("db").resolve("main.sqlite"),
                SqliteDatabase.Options.defaults())) {
            List<StatementResult> results = db.query(new SqlRequest(List.of(
                    SqlStatement.of("EXPLAIN QUERY PLAN SELECT * FROM sqlite_schema WHERE name = 'x'")), false),
                    Duration.ofSeconds(5));
            assertThat(results).singleElement().isInstanceOfSatisfying(StatementResult.Rows.class,
                    rows -> assertThat(rows.columns()).containsExactly("id", "parent", "notused", "detail"));
        }
    }

    @Test
    void aStatementThatDoesNotCompileIsNotJudgedButReported() {
        assertThatThrownBy(() -> refusal("SELECT * FROM missing", Mode.WRITE))
                .isInstanceOf(SQLException.class).hasMessageContaining("no such table: missing");
        assertThatThrownBy(() -> refusal("SELEKT 1", Mode.READ))
                .isInstanceOf(SQLException.class).hasMessageContaining("syntax error");
    }

    @Test
    void writesTellsWhetherAnyStatementOfATextChangesTheDatabase() {
        assertThat(policy.writes(connection, "SELECT 1")).isFalse();
        assertThat(policy.writes(connection, "SELECT 1; SELECT v FROM t")).isFalse();
        assertThat(policy.writes(connection, "SELECT 1; INSERT INTO t(v) VALUES (1)")).isTrue();
        assertThat(policy.writes(connection, "CREATE TABLE IF NOT EXISTS t(id)")).isTrue();
        assertThat(policy.writes(connection, "PRAGMA user_version")).isFalse();
        assertThat(policy.writes(connection, "PRAGMA user_version = 3")).isTrue();
        assertThat(policy.writes(connection, "PRAGMA journal_mode")).isFalse();
        // A statement that needs what an earlier one creates: unknown unless another statement writes.
        assertThat(policy.writes(connection, "SELECT * FROM later")).isNull();
        assertThat(policy.writes(connection, "CREATE TABLE later(x); SELECT * FROM later")).isTrue();
    }
}
