package io.halite.core.log;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlLexer;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary encoding of log entries and of the results returned for them. The first byte is the format version: a
 * node refuses (and stops on) an entry written by a newer format rather than guess at it.
 */
public final class EntryCodec {
    /**
     * Version 3 has version 2's layout; it marks an entry in which some statement text holds several statements.
     * Nodes before it ran only the first statement of such a text, so they must refuse the entry (and stop) rather
     * than apply it differently from the others. Entries without such a text keep version 2, which every node of a
     * rolling upgrade reads alike.
     */
    private static final int VERSION_SEVERAL_STATEMENTS = 3;
    /**
     * Version 4 adds entries of several interactive transactions (kind {@link EntryKind#TRANSACTIONS}), which nodes
     * before it cannot apply; an entry of one transaction keeps its older kind and version.
     */
    public static final int VERSION = 4;
    /** Version 2 added the statement budget to entries of requests; version 1 entries still decode. */
    private static final int VERSION_WITH_BUDGET = 2;
    private static final int VERSION_WITHOUT_BUDGET = 1;
    /** Requests sent on their own (reads forwarded to the leader); version 2 marks several statements in a text. */
    private static final int REQUEST_VERSION = 2;
    private static final int REQUEST_VERSION_SINGLE_STATEMENTS = 1;

    private static final int REQUEST_TRANSACTION = 1;
    private static final int REQUEST_READ_ONLY = 2;

    private static final int VALUE_NULL = 0;
    private static final int VALUE_LONG = 1;
    private static final int VALUE_DOUBLE = 2;
    private static final int VALUE_TEXT = 3;
    private static final int VALUE_BLOB = 4;

    private static final int RESULT_EXEC = 1;
    private static final int RESULT_ROWS = 2;
    private static final int RESULT_FAILED = 3;

    private EntryCodec() {}

    public static byte[] encode(LogEntry entry) {
        return write(out -> {
            EntryKind kind = EntryKind.of(entry);
            boolean several = entry instanceof LogEntry.Requests requests && requests.parts().stream()
                    .anyMatch(part -> part.requests().stream().anyMatch(EntryCodec::holdsSeveralStatements));
            out.writeByte(kind == EntryKind.TRANSACTIONS ? VERSION
                    : several ? VERSION_SEVERAL_STATEMENTS : VERSION_WITH_BUDGET);
            out.writeByte(kind.wire);
            out.writeLong(entry.stampMillis());
            out.writeLong(entry.seed());
            switch (kind) {
                case BATCH -> {
                    LogEntry.Batch batch = (LogEntry.Batch) entry;
                    out.writeLong(batch.statementBudget());
                    writeRequests(out, batch.requests());
                }
                case TRANSACTION -> {
                    LogEntry.Transactions transactions = (LogEntry.Transactions) entry;
                    LogEntry.Transaction only = transactions.transactions().get(0);
                    out.writeLong(only.statementBudget());
                    out.writeLong(transactions.baseIndex());
                    writeRequests(out, only.requests());
                }
                case TRANSACTIONS -> {
                    LogEntry.Transactions transactions = (LogEntry.Transactions) entry;
                    out.writeLong(transactions.baseIndex());
                    out.writeInt(transactions.transactions().size());
                    for (LogEntry.Transaction transaction : transactions.transactions()) {
                        out.writeLong(transaction.stampMillis());
                        out.writeLong(transaction.seed());
                        out.writeLong(transaction.statementBudget());
                        writeRequests(out, transaction.requests());
                    }
                }
                case LOAD_CHUNK -> {
                    LogEntry.LoadChunk chunk = (LogEntry.LoadChunk) entry;
                    out.writeLong(chunk.loadId());
                    out.writeInt(chunk.sequence());
                    out.writeBoolean(chunk.last());
                    out.writeInt(chunk.data().length);
                    out.write(chunk.data());
                }
            }
        });
    }

    private static void writeRequests(DataOutputStream out, List<SqlRequest> requests) throws IOException {
        out.writeInt(requests.size());
        for (SqlRequest request : requests) {
            writeRequest(out, request);
        }
    }

    public static LogEntry decode(InputStream bytes) {
        try {
            DataInputStream in = new DataInputStream(bytes);
            int version = in.readUnsignedByte();
            if (version < VERSION_WITHOUT_BUDGET || version > VERSION) {
                throw new IllegalStateException("log entry format version " + version
                        + " is not supported by this node (it reads up to version " + VERSION + "); upgrade the node");
            }
            EntryKind kind = EntryKind.fromWire(in.readUnsignedByte());
            long stamp = in.readLong();
            long seed = in.readLong();
            // Arguments are read in order: Java evaluates them left to right.
            return switch (kind) {
                case BATCH -> new LogEntry.Batch(stamp, seed, readBudget(in, version), readRequests(in));
                case TRANSACTION -> {
                    long budget = readBudget(in, version);
                    long base = in.readLong();
                    yield new LogEntry.Transactions(base,
                            List.of(new LogEntry.Transaction(stamp, seed, budget, readRequests(in))));
                }
                case TRANSACTIONS -> {
                    long base = in.readLong();
                    int n = in.readInt();
                    List<LogEntry.Transaction> transactions = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        transactions.add(new LogEntry.Transaction(in.readLong(), in.readLong(), in.readLong(),
                                readRequests(in)));
                    }
                    yield new LogEntry.Transactions(base, transactions);
                }
                case LOAD_CHUNK -> new LogEntry.LoadChunk(stamp, seed, in.readLong(), in.readInt(), in.readBoolean(),
                        readBytes(in));
            };
        } catch (IOException e) {
            throw new UncheckedIOException("truncated log entry", e);
        }
    }

    private static long readBudget(DataInputStream in, int version) throws IOException {
        return version == VERSION_WITHOUT_BUDGET ? LogEntry.DEFAULT_STATEMENT_BUDGET : in.readLong();
    }

    private static List<SqlRequest> readRequests(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<SqlRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            requests.add(readRequest(in));
        }
        return requests;
    }

    /** The pinned time of an encoded entry, read from its header without decoding the rest. */
    public static long stampMillis(byte[] entry) {
        if (entry.length < 10 || entry[0] < VERSION_WITHOUT_BUDGET || entry[0] > VERSION) {
            throw new IllegalStateException("not a log entry of a format version up to " + VERSION);
        }
        return java.nio.ByteBuffer.wrap(entry, 2, 8).getLong();
    }

    /** One request on its own, as sent to the leader for a weak read from a follower. */
    public static byte[] encodeRequest(SqlRequest request) {
        return write(out -> {
            out.writeByte(holdsSeveralStatements(request) ? REQUEST_VERSION : REQUEST_VERSION_SINGLE_STATEMENTS);
            writeRequest(out, request);
        });
    }

    public static SqlRequest decodeRequest(InputStream bytes) {
        try {
            DataInputStream in = new DataInputStream(bytes);
            int version = in.readUnsignedByte();
            if (version != REQUEST_VERSION && version != REQUEST_VERSION_SINGLE_STATEMENTS) {
                throw new IllegalStateException("request format version " + version + " is not supported by this node");
            }
            return readRequest(in);
        } catch (IOException e) {
            throw new UncheckedIOException("truncated request", e);
        }
    }

    public static byte[] encodeResults(List<List<StatementResult>> perRequest) {
        return write(out -> {
            out.writeInt(perRequest.size());
            for (List<StatementResult> results : perRequest) {
                out.writeInt(results.size());
                for (StatementResult result : results) {
                    writeResult(out, result);
                }
            }
        });
    }

    public static List<List<StatementResult>> decodeResults(InputStream bytes) {
        try {
            DataInputStream in = new DataInputStream(bytes);
            int n = in.readInt();
            List<List<StatementResult>> perRequest = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int m = in.readInt();
                List<StatementResult> results = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    results.add(readResult(in));
                }
                perRequest.add(results);
            }
            return perRequest;
        } catch (IOException e) {
            throw new UncheckedIOException("truncated results", e);
        }
    }

    private static boolean holdsSeveralStatements(SqlRequest request) {
        return request.statements().stream().anyMatch(statement -> SqlLexer.holdsSeveralStatements(statement.sql()));
    }

    private static void writeRequest(DataOutputStream out, SqlRequest request) throws IOException {
        out.writeByte((request.transaction() ? REQUEST_TRANSACTION : 0) | (request.readOnly() ? REQUEST_READ_ONLY : 0));
        out.writeInt(request.statements().size());
        for (SqlStatement statement : request.statements()) {
            writeString(out, statement.sql());
            if (!statement.namedParams().isEmpty()) {
                out.writeByte(2);
                out.writeInt(statement.namedParams().size());
                for (Map.Entry<String, Object> e : statement.namedParams().entrySet()) {
                    writeString(out, e.getKey());
                    writeValue(out, e.getValue());
                }
            } else {
                out.writeByte(1);
                out.writeInt(statement.params().size());
                for (Object value : statement.params()) {
                    writeValue(out, value);
                }
            }
        }
    }

    private static SqlRequest readRequest(DataInputStream in) throws IOException {
        int flags = in.readUnsignedByte();
        int n = in.readInt();
        List<SqlStatement> statements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String sql = readString(in);
            int mode = in.readUnsignedByte();
            int count = in.readInt();
            if (mode == 2) {
                Map<String, Object> named = new LinkedHashMap<>();
                for (int j = 0; j < count; j++) {
                    named.put(readString(in), readValue(in));
                }
                statements.add(new SqlStatement(sql, List.of(), named));
            } else {
                List<Object> params = new ArrayList<>(count);
                for (int j = 0; j < count; j++) {
                    params.add(readValue(in));
                }
                statements.add(new SqlStatement(sql, params, Map.of()));
            }
        }
        return new SqlRequest(statements, (flags & REQUEST_TRANSACTION) != 0, (flags & REQUEST_READ_ONLY) != 0);
    }

    private static void writeResult(DataOutputStream out, StatementResult result) throws IOException {
        if (result instanceof StatementResult.Exec exec) {
            out.writeByte(RESULT_EXEC);
            out.writeDouble(exec.seconds());
            out.writeLong(exec.lastInsertId());
            out.writeLong(exec.rowsAffected());
        } else if (result instanceof StatementResult.Rows rows) {
            out.writeByte(RESULT_ROWS);
            out.writeDouble(rows.seconds());
            out.writeLong(rows.lastInsertId());
            out.writeLong(rows.rowsAffected());
            out.writeBoolean(rows.wrote());
            out.writeInt(rows.columns().size());
            for (int i = 0; i < rows.columns().size(); i++) {
                writeString(out, rows.columns().get(i));
                writeString(out, rows.types().get(i));
            }
            out.writeInt(rows.values().size());
            for (Object[] row : rows.values()) {
                for (Object value : row) {
                    writeValue(out, value);
                }
            }
        } else if (result instanceof StatementResult.Failed failed) {
            out.writeByte(RESULT_FAILED);
            out.writeDouble(failed.seconds());
            writeString(out, failed.error());
            out.writeInt(failed.code());
        }
    }

    private static StatementResult readResult(DataInputStream in) throws IOException {
        int kind = in.readUnsignedByte();
        double seconds = in.readDouble();
        switch (kind) {
            case RESULT_EXEC -> {
                return new StatementResult.Exec(in.readLong(), in.readLong(), seconds);
            }
            case RESULT_ROWS -> {
                long lastInsertId = in.readLong();
                long affected = in.readLong();
                boolean wrote = in.readBoolean();
                int columns = in.readInt();
                List<String> names = new ArrayList<>(columns);
                List<String> types = new ArrayList<>(columns);
                for (int i = 0; i < columns; i++) {
                    names.add(readString(in));
                    types.add(readString(in));
                }
                int rows = in.readInt();
                List<Object[]> values = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                    Object[] row = new Object[columns];
                    for (int i = 0; i < columns; i++) {
                        row[i] = readValue(in);
                    }
                    values.add(row);
                }
                return new StatementResult.Rows(names, types, values, lastInsertId, affected, wrote, seconds);
            }
            case RESULT_FAILED -> {
                return new StatementResult.Failed(readString(in), in.readInt(), seconds);
            }
            default -> throw new IOException("unknown result kind " + kind);
        }
    }

    private static void writeValue(DataOutputStream out, Object value) throws IOException {
        if (value == null) {
            out.writeByte(VALUE_NULL);
        } else if (value instanceof Long v) {
            out.writeByte(VALUE_LONG);
            out.writeLong(v);
        } else if (value instanceof Boolean v) {
            out.writeByte(VALUE_LONG);
            out.writeLong(v ? 1 : 0);
        } else if (value instanceof Double v) {
            out.writeByte(VALUE_DOUBLE);
            out.writeDouble(v);
        } else if (value instanceof String v) {
            out.writeByte(VALUE_TEXT);
            writeString(out, v);
        } else if (value instanceof byte[] v) {
            out.writeByte(VALUE_BLOB);
            out.writeInt(v.length);
            out.write(v);
        } else {
            throw new IllegalArgumentException("unsupported value type " + value.getClass().getName());
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case VALUE_NULL -> null;
            case VALUE_LONG -> in.readLong();
            case VALUE_DOUBLE -> in.readDouble();
            case VALUE_TEXT -> readString(in);
            case VALUE_BLOB -> readBytes(in);
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
