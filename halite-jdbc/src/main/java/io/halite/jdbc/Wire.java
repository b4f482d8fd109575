package io.halite.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the driver and the server exchange. Values on the wire, both ways, are the SQLite storage classes as
 * Java objects: {@code null}, {@link Long} (INTEGER), {@link Double} (REAL), {@link String} (TEXT) and
 * {@code byte[]} (BLOB, an array of byte values with {@code blob_array}).
 */
final class Wire {
    private static final JsonFactory JSON = new JsonFactory();

    private Wire() {}

    /** One statement and its positional parameter values (wire values only). */
    record Sql(String text, List<Object> params) {}

    /**
     * One statement's result: rows ({@code columns != null}), a write summary, or an error ({@code error != null},
     * {@code errorCode} 0 when the server did not say).
     */
    record Result(List<String> columns, List<String> types, List<Object[]> rows, long lastInsertId,
                  long rowsAffected, String error, int errorCode) {
        boolean hasRows() {
            return columns != null;
        }
    }

    /** A {@code /db/request} answer: the results in statement order, and the log index when something was written. */
    record Response(List<Result> results, long raftIndex) {}

    static byte[] statements(List<Sql> statements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (Sql sql : statements) {
                g.writeStartArray();
                g.writeString(sql.text());
                for (Object value : sql.params()) {
                    writeValue(g, value);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Long v) {
            g.writeNumber(v);
        } else if (value instanceof Double v) {
            if (v.isNaN()) {
                g.writeNull(); // SQLite stores NaN as NULL
            } else if (v.isInfinite()) {
                // JSON has no infinity; a number too large for a double parses as one on the server, as SQLite's 9e999
                g.writeNumber(v > 0 ? "1e999" : "-1e999");
            } else {
                g.writeNumber(v);
            }
        } else if (value instanceof String v) {
            g.writeString(v);
        } else if (value instanceof byte[] v) {
            g.writeStartArray();
            for (byte b : v) {
                g.writeNumber(b & 0xff);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("not a wire value: " + value.getClass().getName());
        }
    }

    static Response response(byte[] body) throws SQLException {
        List<Result> results = new ArrayList<>();
        long raftIndex = 0;
        String error = null;
        try (JsonParser p = JSON.createParser(body)) {
            expect(p, JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "results" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw malformed("results is not an array");
                        }
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            results.add(result(p));
                        }
                    }
                    case "raft_index" -> raftIndex = p.getLongValue();
                    case "error" -> error = p.getText();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw malformed(e.getMessage());
        }
        if (error != null) {
            // A request-level refusal sent with HTTP 200, such as a stale read under freshness.
            throw new SQLException(error, "HY000");
        }
        return new Response(results, raftIndex);
    }

    private static Result result(JsonParser p) throws IOException, SQLException {
        List<String> columns = null;
        List<String> types = null;
        List<Object[]> rows = new ArrayList<>();
        long lastInsertId = 0;
        long rowsAffected = 0;
        String error = null;
        int errorCode = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "columns" -> columns = strings(p);
                case "types" -> types = strings(p);
                case "values" -> {
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        List<Object> row = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            row.add(value(p));
                        }
                        rows.add(row.toArray());
                    }
                }
                case "last_insert_id" -> lastInsertId = p.getLongValue();
                case "rows_affected" -> rowsAffected = p.getLongValue();
                case "error" -> error = p.getText();
                case "error_code" -> errorCode = p.getIntValue();
                default -> p.skipChildren();
            }
        }
        if (columns != null && (types == null || types.size() != columns.size())) {
            throw malformed("a result's types do not match its columns");
        }
        return new Result(columns, types, rows, lastInsertId, rowsAffected, error, errorCode);
    }

    private static Object value(JsonParser p) throws IOException, SQLException {
        return switch (p.currentToken()) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_STRING -> p.getText();
            case START_ARRAY -> {
                ByteArrayOutputStream blob = new ByteArrayOutputStream();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    blob.write(p.getIntValue());
                }
                yield blob.toByteArray();
            }
            default -> throw malformed("unexpected value " + p.currentToken());
        };
    }

    private static List<String> strings(JsonParser p) throws IOException, SQLException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw malformed("expected an array of strings");
        }
        List<String> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            list.add(p.getText());
        }
        return list;
    }

    /**
     * The top-level scalar fields of a small JSON object ({@code {"error": ...}}, a transaction's {@code tx} and
     * {@code raft_index}); numbers as Long, everything else as text. Not JSON (a proxy's HTML page, say): the body
     * as text under {@code error}.
     */
    static Map<String, Object> fields(byte[] body) {
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                if (token == JsonToken.VALUE_NUMBER_INT) {
                    fields.put(name, p.getLongValue());
                } else if (token.isScalarValue()) {
                    fields.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            fields.clear();
            fields.put("error", new String(body, StandardCharsets.UTF_8).strip());
        }
        return fields;
    }

    private static void expect(JsonParser p, JsonToken token) throws IOException, SQLException {
        if (p.nextToken() != token) {
            throw malformed("expected " + token + " at the start");
        }
    }

    private static SQLException malformed(String why) {
        return new SQLException("the server's answer is not the JSON the driver expects: " + why, "08000");
    }
}
