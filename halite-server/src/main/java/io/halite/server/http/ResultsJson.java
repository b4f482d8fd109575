package io.halite.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Renders statement results in rqlite's response format: {@code {"results":[...]}} with rows as
 * {@code columns/types/values} (or {@code types/rows} maps when associative), writes as
 * {@code last_insert_id/rows_affected} (zero values omitted, as rqlite does), errors as {@code error}.
 */
final class ResultsJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Indented like Go's json.MarshalIndent with four spaces, which rqlite uses: {@code "key": value}, {@code []}. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("    ", "\n"))
            .withArrayIndenter(new DefaultIndenter("    ", "\n"));

    /**
     * How to render: the query parameters that shape the output. {@code errorCodes} adds SQLite's result code to
     * failed statements ({@code "error_code"}, 0 when Halite refused the statement), a Halite extension.
     * {@code storedValues} gives values as SQLite stores them, without rqlite's rendering of date and boolean
     * columns ({@link RqliteValues}); Halite's JDBC driver asks for it.
     */
    record Style(boolean pretty, boolean timings, boolean associative, boolean blobArray, boolean errorCodes,
                 boolean storedValues) {}

    private ResultsJson() {}

    static byte[] render(List<StatementResult> results, Style style, double seconds, long raftIndex) {
        return render(results, style, seconds, raftIndex, g -> { });
    }

    /** As {@link #render(List, Style, double, long)}, with fields of the caller's written first. */
    static byte[] render(List<StatementResult> results, Style style, double seconds, long raftIndex, Body leading) {
        return write(style.pretty(), g -> {
            g.writeStartObject();
            leading.write(g);
            g.writeArrayFieldStart("results");
            for (StatementResult result : results) {
                writeResult(g, result, style);
            }
            g.writeEndArray();
            if (style.timings()) {
                g.writeNumberField("time", seconds);
            }
            if (raftIndex > 0) {
                g.writeNumberField("raft_index", raftIndex);
            }
            g.writeEndObject();
        });
    }

    private static void writeResult(JsonGenerator g, StatementResult result, Style style) throws IOException {
        if (result instanceof StatementResult.Rows rows && !style.storedValues()) {
            result = RqliteValues.render(rows);
        }
        g.writeStartObject();
        if (result instanceof StatementResult.Exec exec) {
            if (exec.lastInsertId() != 0) {
                g.writeNumberField("last_insert_id", exec.lastInsertId());
            }
            if (exec.rowsAffected() != 0) {
                g.writeNumberField("rows_affected", exec.rowsAffected());
            }
        } else if (result instanceof StatementResult.Rows rows) {
            if (style.associative()) {
                writeAssociative(g, rows, style);
            } else {
                writeColumnar(g, rows, style);
            }
        } else if (result instanceof StatementResult.Failed failed) {
            g.writeStringField("error", failed.error());
            if (style.errorCodes()) {
                g.writeNumberField("error_code", failed.code());
            }
        }
        if (style.timings()) {
            g.writeNumberField("time", result.seconds());
        }
        g.writeEndObject();
    }

    private static void writeColumnar(JsonGenerator g, StatementResult.Rows rows, Style style) throws IOException {
        g.writeArrayFieldStart("columns");
        for (String column : rows.columns()) {
            g.writeString(column);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("types");
        for (String type : rows.types()) {
            g.writeString(type);
        }
        g.writeEndArray();
        if (!rows.values().isEmpty()) {
            g.writeArrayFieldStart("values");
            for (Object[] row : rows.values()) {
                g.writeStartArray();
                for (Object value : row) {
                    writeValue(g, value, style);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
    }

    private static void writeAssociative(JsonGenerator g, StatementResult.Rows rows, Style style) throws IOException {
        if (!rows.columns().isEmpty()) {
            g.writeObjectFieldStart("types");
            for (int i = 0; i < rows.columns().size(); i++) {
                g.writeStringField(rows.columns().get(i), rows.types().get(i));
            }
            g.writeEndObject();
        }
        g.writeArrayFieldStart("rows");
        for (Object[] row : rows.values()) {
            g.writeStartObject();
            for (int i = 0; i < row.length; i++) {
                g.writeFieldName(rows.columns().get(i));
                writeValue(g, row[i], style);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeValue(JsonGenerator g, Object value, Style style) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Long v) {
            g.writeNumber(v);
        } else if (value instanceof Double v) {
            if (v.isNaN() || v.isInfinite()) {
                g.writeNull(); // JSON has no NaN or infinity; SQLite itself turns NaN into NULL
            } else {
                g.writeNumber(v);
            }
        } else if (value instanceof String v) {
            g.writeString(v);
        } else if (value instanceof Boolean v) {
            g.writeBoolean(v);
        } else if (value instanceof byte[] v) {
            if (style.blobArray()) {
                g.writeStartArray();
                for (byte b : v) {
                    g.writeNumber(b & 0xff);
                }
                g.writeEndArray();
            } else {
                g.writeString(java.util.Base64.getEncoder().encodeToString(v));
            }
        } else {
            g.writeString(value.toString());
        }
    }

    /** The answer to a queued write: no results, its sequence number, as rqlite answers it. */
    static byte[] queued(long sequence, Style style, double seconds, long raftIndex) {
        return write(style.pretty(), g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("results");
            g.writeEndArray();
            if (style.timings()) {
                g.writeNumberField("time", seconds);
            }
            g.writeNumberField("sequence_number", sequence);
            if (raftIndex > 0) {
                g.writeNumberField("raft_index", raftIndex);
            }
            g.writeEndObject();
        });
    }

    /** Writes {@code {"error": message}}. */
    static byte[] error(String message) {
        return write(false, g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(boolean pretty, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.setPrettyPrinter(PRETTY);
            }
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
