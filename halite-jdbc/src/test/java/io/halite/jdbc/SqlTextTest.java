package io.halite.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import org.junit.jupiter.api.Test;

class SqlTextTest {
    private static int params(String sql) throws SQLException {
        return SqlText.scan(sql).parameters();
    }

    @Test
    void countsPlaceholdersOutsideLiteralsIdentifiersAndComments() throws SQLException {
        assertThat(params("SELECT ?, ?")).isEqualTo(2);
        assertThat(params("SELECT '?', 'it''s ?', ?")).isEqualTo(1);
        assertThat(params("SELECT \"a?\", `b?`, [c?] FROM t WHERE x = ?")).isEqualTo(1);
        assertThat(params("SELECT ? -- why?\n, ? /* and ? */")).isEqualTo(2);
        assertThat(params("SELECT '?")).isEqualTo(0); // an unterminated literal runs to the end
        assertThat(params("SELECT x'3F', ?")).isEqualTo(1);
        assertThat(params("INSERT INTO t VALUES (':x', '@y', '$z', '?1')")).isEqualTo(0);
    }

    @Test
    void refusesNumberedAndNamedParameters() {
        for (String sql : new String[] {"SELECT ?1", "SELECT :name", "SELECT @name", "SELECT $name"}) {
            assertThatThrownBy(() -> SqlText.scan(sql)).isInstanceOf(SQLFeatureNotSupportedException.class)
                    .hasMessage("parameter " + sql.substring(7) + " is not supported: the Halite driver binds "
                            + "parameters by position, use ?");
        }
    }

    @Test
    void words() throws SQLException {
        assertThat(SqlText.scan("  /* c */ select a_1, \"Quoted\" from t").words())
                .containsExactly("SELECT", "A_1", "FROM", "T");
        assertThat(SqlText.scan("-- only a comment").words()).isEmpty();
        assertThat(SqlText.scan("with x as (select 1) select * from x").leadingWord()).isEqualTo("WITH");
    }

    @Test
    void theBodyEndsBeforeTrailingWhitespaceCommentsAndSemicolons() throws SQLException {
        String insert = "INSERT INTO t VALUES ('a;', \"-- b\")";
        assertThat(SqlText.scan(insert).bodyEnd()).isEqualTo(insert.length());
        assertThat(SqlText.scan(insert + " ;\n -- done\n/* really */ ;").bodyEnd()).isEqualTo(insert.length());
        assertThat(SqlText.scan("-- nothing\n").bodyEnd()).isZero();
    }

    @Test
    void classification() throws SQLException {
        assertThat(SqlText.scan("SELECT * FROM t").isQuery()).isTrue();
        assertThat(SqlText.scan("VALUES (1)").isQuery()).isTrue();
        assertThat(SqlText.scan("WITH x AS (SELECT 1) SELECT * FROM x").isQuery()).isTrue();
        assertThat(SqlText.scan("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x").isQuery()).isFalse();
        assertThat(SqlText.scan("SELECT replace(a, 'x', 'y') FROM t").isQuery()).isFalse(); // errs on the safe side
        assertThat(SqlText.scan("SELECT 'DELETE' FROM t").isQuery()).isTrue();
        assertThat(SqlText.scan("PRAGMA table_info(t)").isQuery()).isFalse();

        assertThat(SqlText.scan("INSERT INTO t VALUES (1)").returnsNoRows()).isTrue();
        assertThat(SqlText.scan("insert into t values (1) returning id").returnsNoRows()).isFalse();
        assertThat(SqlText.scan("CREATE TABLE t (x)").returnsNoRows()).isTrue();
        assertThat(SqlText.scan("SELECT 1").returnsNoRows()).isFalse();

        assertThat(SqlText.scan("INSERT INTO t VALUES (1)").isInsert()).isTrue();
        assertThat(SqlText.scan("REPLACE INTO t VALUES (1)").isInsert()).isTrue();
        assertThat(SqlText.scan("UPDATE t SET x = 1").isInsert()).isFalse();
    }
}
