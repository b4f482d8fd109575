package io.halite.server.http;

import static io.halite.server.http.BadRequest.assertBadRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Request bodies in rqlite's forms: the statements and bound values they carry, and the exact 400s for the rest. */
class RequestParserTest {
    private static SqlRequest parse(String json) {
        return RequestParser.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), false);
    }

    private static void assertRefused(String json, String message) {
        assertBadRequest(() -> parse(json), message);
    }

    @Test
    void statementsAreStringsOrArraysOfSqlAndValues() {
        SqlRequest request = parse("['SELECT 1', ['SELECT ?, ?', 1, 'a'], ['SELECT :n', {'n': 2.5}]]");
        assertThat(request.transaction()).isFalse();
        assertThat(request.statements()).containsExactly(SqlStatement.of("SELECT 1"),
                new SqlStatement("SELECT ?, ?", List.of(1L, "a"), Map.of()),
                new SqlStatement("SELECT :n", List.of(), Map.of("n", 2.5)));
        assertThat(RequestParser.parse("['SELECT 1']".replace('\'', '"').getBytes(StandardCharsets.UTF_8), true)
                .transaction()).isTrue();
    }

    @Test
    void valuesKeepTheirJsonTypesAndBlobsAreByteArrays() {
        SqlStatement statement = parse("[['INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)', null, true, 9223372036854775807,"
                + " 18446744073709551616, 1e3, 'x', [0, 255, 16]]]").statements().get(0);
        List<Object> values = statement.params();
        assertThat(values.subList(0, 6)).containsExactly(null, true, Long.MAX_VALUE, 1.8446744073709552E19, 1000.0,
                "x");
        assertThat((byte[]) values.get(6)).containsExactly(0, 255, 16);
    }

    @Test
    void namedValuesKeepTheirOrderAcrossObjects() {
        SqlStatement statement = parse("[['SELECT :b, :a', {'b': 1}, {'a': 2}]]").statements().get(0);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("b", 1L);
        expected.put("a", 2L);
        assertThat(statement.namedParams()).containsExactlyEntriesOf(expected);
    }

    @Test
    void emptyStatementsAreSkippedButAnEmptyBodyIsNot() {
        assertThat(parse("['', '  ', 'SELECT 1']").statements()).containsExactly(SqlStatement.of("SELECT 1"));
        assertThat(parse("['']").statements()).isEmpty();
        assertRefused("[]", "no statements");
        assertRefused("", "invalid JSON body: it is empty");
        assertThatThrownBy(() -> RequestParser.plainText(" \n", false)).hasMessage("no statements");
        assertThat(RequestParser.plainText("SELECT 1; SELECT 2", false).statements())
                .containsExactly(SqlStatement.of("SELECT 1; SELECT 2"));
    }

    @Test
    void malformedStatementsAndValuesAreRefusedNamingWhere() {
        assertRefused("{'q': 'SELECT 1'}", "invalid request: the body must be a JSON array of statements");
        assertRefused("['SELECT 1', 7]",
                "invalid request: statement 2 must be a SQL string or an array starting with a SQL string");
        assertRefused("[[]]",
                "invalid request: statement 1 must be a SQL string or an array starting with a SQL string");
        assertRefused("[[1, 'SELECT 1']]",
                "invalid request: statement 1 must be a SQL string or an array starting with a SQL string");
        assertRefused("[['SELECT ?, :a', 1, {'a': 2}]]",
                "invalid request: statement 1 mixes positional and named parameters");
        assertRefused("[['SELECT ?', [1, 256]]]",
                "invalid request: statement 1, parameter 1: a blob must be an array of integers from 0 to 255");
        assertRefused("[['SELECT ?', [-1]]]",
                "invalid request: statement 1, parameter 1: a blob must be an array of integers from 0 to 255");
        assertRefused("[['SELECT :a', {'a': ['x']}]]",
                "invalid request: statement 1, parameter a: a blob must be an array of integers from 0 to 255");
        assertRefused("[['SELECT :a', {'a': {'b': 1}}]]",
                "invalid request: statement 1, parameter a: unsupported type object");
    }
}
