package io.halite.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesStatementsWithEveryValueType() {
        byte[] body = Wire.statements(List.of(
                new Wire.Sql("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", Arrays.asList(null, 1L, 2.5, "s\"",
                        new byte[] {0, (byte) 255}, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)),
                new Wire.Sql("SELECT 1", List.of())));
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(
                "[[\"INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)\",null,1,2.5,\"s\\\"\",[0,255],null,1e999,-1e999],"
                        + "[\"SELECT 1\"]]");
    }

    @Test
    void readsRowsWritesAndErrors() throws SQLException {
        Wire.Response r = Wire.response(utf8("{\"results\":[{\"columns\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
                + "\"types\":[\"integer\",\"real\",\"text\",\"blob\",\"\"],\"values\":[[1,2.0,\"x\",[1,255],null]],"
                + "\"time\":0.1},{\"last_insert_id\":7,\"rows_affected\":2},{},{\"error\":\"boom\",\"error_code\":19},"
                + "{\"columns\":[\"x\"],\"types\":[\"\"]}],\"raft_index\":42}"));
        assertThat(r.raftIndex()).isEqualTo(42);
        assertThat(r.results()).hasSize(5);
        Wire.Result rows = r.results().get(0);
        assertThat(rows.columns()).containsExactly("a", "b", "c", "d", "e");
        assertThat(rows.types()).containsExactly("integer", "real", "text", "blob", "");
        assertThat(rows.rows()).hasSize(1);
        assertThat(rows.rows().get(0)).containsExactly(1L, 2.0, "x", new byte[] {1, (byte) 255}, null);
        assertThat(r.results().get(1)).satisfies(w -> {
            assertThat(w.hasRows()).isFalse();
            assertThat(w.lastInsertId()).isEqualTo(7);
            assertThat(w.rowsAffected()).isEqualTo(2);
        });
        assertThat(r.results().get(2).rowsAffected()).isZero();
        assertThat(r.results().get(3).error()).isEqualTo("boom");
        assertThat(r.results().get(3).errorCode()).isEqualTo(19);
        assertThat(r.results().get(4).rows()).isEmpty();
    }

    @Test
    void topLevelErrorAndMalformedAnswers() {
        assertThatThrownBy(() -> Wire.response(utf8("{\"results\":[],\"error\":\"stale read\"}")))
                .hasMessage("stale read");
        assertThatThrownBy(() -> Wire.response(utf8("[1]")))
                .hasMessage("the server's answer is not the JSON the driver expects: expected START_OBJECT at the start");
        assertThatThrownBy(() -> Wire.response(utf8("{\"results\":[{\"columns\":[\"a\"]}]}")))
                .hasMessage("the server's answer is not the JSON the driver expects: a result's types do not match "
                        + "its columns");
    }

    @Test
    void fields() {
        assertThat(Wire.fields(utf8("{\"tx\":\"abc\",\"raft_index\":5,\"x\":[1]}")))
                .containsEntry("tx", "abc").containsEntry("raft_index", 5L).doesNotContainKey("x");
        assertThat(Wire.fields(utf8("<html>bad gateway</html>"))).containsEntry("error", "<html>bad gateway</html>");
    }

    @Test
    void statementErrorsBySqliteCode() {
        SQLException constraint = HaliteStatement.statementError(new Wire.Result(null, null, List.of(), 0, 0,
                "UNIQUE constraint failed: t.id", 2067)); // SQLITE_CONSTRAINT_UNIQUE
        assertThat((Throwable) constraint).isInstanceOf(SQLIntegrityConstraintViolationException.class)
                .hasMessage("UNIQUE constraint failed: t.id");
        assertThat(constraint.getSQLState()).isEqualTo("23000");
        assertThat(constraint.getErrorCode()).isEqualTo(2067);
        SQLException syntax = HaliteStatement.statementError(new Wire.Result(null, null, List.of(), 0, 0,
                "no such table: x", 1));
        assertThat((Throwable) syntax).isInstanceOf(SQLSyntaxErrorException.class);
        assertThat(syntax.getSQLState()).isEqualTo("42000");
        SQLException unknown = HaliteStatement.statementError(new Wire.Result(null, null, List.of(), 0, 0,
                "something", 0));
        assertThat(unknown.getClass()).isEqualTo(SQLException.class);
        assertThat(unknown.getSQLState()).isEqualTo("HY000");
        assertThat(unknown.getErrorCode()).isZero();
    }
}
