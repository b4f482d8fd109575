package io.halite.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses rqlite-style request bodies: a JSON array whose elements are a SQL string, {@code [sql, p1, p2, ...]}
 * or {@code [sql, {"name": value}]}. Parameters may be integers, floats, strings, booleans, null, or a blob as an
 * array of byte values (0-255). Empty statements are skipped, as rqlite does.
 */
final class RequestParser {
    private RequestParser() {}

    static SqlRequest parse(byte[] body, boolean transaction) {
        JsonNode root = JsonBody.read(body);
        if (root == null) {
            throw ApiException.badRequest("invalid JSON body: it is empty");
        }
        if (!root.isArray()) {
            throw ApiException.badRequest("invalid request: the body must be a JSON array of statements");
        }
        if (root.isEmpty()) {
            throw ApiException.badRequest("no statements");
        }
        List<SqlStatement> statements = new ArrayList<>(root.size());
        int position = 0;
        for (JsonNode element : root) {
            position++;
            SqlStatement statement = statement(element, position);
            if (!statement.sql().isBlank()) {
                statements.add(statement);
            }
        }
        return new SqlRequest(statements, transaction);
    }

    static SqlRequest plainText(String sql, boolean transaction) {
        if (sql.isBlank()) {
            throw ApiException.badRequest("no statements");
        }
        return new SqlRequest(List.of(SqlStatement.of(sql)), transaction);
    }

    private static SqlStatement statement(JsonNode element, int position) {
        if (element.isTextual()) {
            return SqlStatement.of(element.textValue());
        }
        if (!element.isArray() || element.isEmpty() || !element.get(0).isTextual()) {
            throw ApiException.badRequest("invalid request: statement " + position
                    + " must be a SQL string or an array starting with a SQL string");
        }
        String sql = element.get(0).textValue();
        List<Object> positional = new ArrayList<>();
        Map<String, Object> named = new LinkedHashMap<>();
        for (int i = 1; i < element.size(); i++) {
            JsonNode param = element.get(i);
            if (param.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = param.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    named.put(field.getKey(), value(field.getValue(), position, field.getKey()));
                }
            } else {
                positional.add(value(param, position, Integer.toString(i)));
            }
        }
        if (!positional.isEmpty() && !named.isEmpty()) {
            throw ApiException.badRequest("invalid request: statement " + position
                    + " mixes positional and named parameters");
        }
        return new SqlStatement(sql, positional, named);
    }

    private static Object value(JsonNode node, int position, String param) {
        if (node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : (Object) node.doubleValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray()) {
            byte[] blob = new byte[node.size()];
            for (int i = 0; i < blob.length; i++) {
                JsonNode b = node.get(i);
                if (!b.isIntegralNumber() || b.longValue() < 0 || b.longValue() > 255) {
                    throw ApiException.badRequest("invalid request: statement " + position + ", parameter " + param
                            + ": a blob must be an array of integers from 0 to 255");
                }
                blob[i] = (byte) b.intValue();
            }
            return blob;
        }
        throw ApiException.badRequest("invalid request: statement " + position + ", parameter " + param
                + ": unsupported type " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
}
