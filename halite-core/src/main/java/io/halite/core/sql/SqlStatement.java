package io.halite.core.sql;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One SQL statement with its parameters. Parameter values are {@code null}, {@link Long}, {@link Double},
 * {@link String} or {@code byte[]}; either positional or named, never both.
 */
public record SqlStatement(String sql, List<Object> params, Map<String, Object> namedParams) {
    public SqlStatement {
        Objects.requireNonNull(sql, "sql");
        params = params == null ? List.of() : params;
        namedParams = namedParams == null ? Map.of() : namedParams;
    }

    public static SqlStatement of(String sql, Object... params) {
        return new SqlStatement(sql, java.util.Arrays.asList(params), Map.of());
    }
}
