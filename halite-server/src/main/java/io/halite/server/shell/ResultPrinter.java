package io.halite.server.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.jline.utils.WCWidth;

/**
 * Prints rows in the shell's output modes. Values arrive as the HTTP API sends them with {@code stored_values}
 * and {@code blob_array}: a blob is an array of byte values, shown as a SQL blob literal ({@code X'0AFF'}); NULL
 * is shown as {@code NULL} (in CSV as an empty field, in JSON as {@code null}), so that it never looks like an
 * empty string.
 */
final class ResultPrinter {
    enum Mode {
        TABLE, CSV, JSON, LINE;

        static Mode named(String name) {
            for (Mode mode : values()) {
                if (mode.name().equalsIgnoreCase(name)) {
                    return mode;
                }
            }
            return null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NULL = "NULL";

    private Mode mode = Mode.TABLE;
    private boolean headers = true;

    Mode mode() {
        return mode;
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    boolean headers() {
        return headers;
    }

    void headers(boolean headers) {
        this.headers = headers;
    }

    /** Prints the rows of one result in the current mode. */
    void print(List<String> columns, List<JsonNode> rows, PrintWriter out) {
        switch (mode) {
            case TABLE -> printTable(columns, rows, headers, out);
            case CSV -> printCsv(columns, rows, out);
            case JSON -> printJson(columns, rows, out);
            case LINE -> printLines(columns, rows, out);
        }
        out.flush();
    }

    /** A value as text: NULL, a blob literal, or the number or string itself. */
    static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return NULL;
        }
        if (value.isArray()) {
            byte[] bytes = new byte[value.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) value.get(i).asInt();
            }
            return "X'" + HexFormat.of().withUpperCase().formatHex(bytes) + "'";
        }
        return value.asText();
    }

    /** An aligned table with a border; numbers are aligned right. Also used for the shell's own listings. */
    static void printTable(List<String> columns, List<JsonNode> rows, boolean headers, PrintWriter out) {
        int[] widths = new int[columns.size()];
        List<String[]> cells = new ArrayList<>(rows.size());
        for (JsonNode row : rows) {
            String[] line = new String[columns.size()];
            for (int c = 0; c < line.length; c++) {
                line[c] = printable(text(row.get(c)));
                widths[c] = Math.max(widths[c], width(line[c]));
            }
            cells.add(line);
        }
        if (headers) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], width(columns.get(c)));
            }
        }
        String rule = rule(widths);
        if (headers) {
            out.println(rule);
            out.println(line(columns.toArray(String[]::new), widths, null));
        }
        if (headers || !cells.isEmpty()) {
            out.println(rule);
        }
        for (int r = 0; r < cells.size(); r++) {
            out.println(line(cells.get(r), widths, rows.get(r)));
        }
        if (!cells.isEmpty()) {
            out.println(rule);
        }
        out.println(rows.size() == 1 ? "(1 row)" : "(" + rows.size() + " rows)");
    }

    private static String rule(int[] widths) {
        StringBuilder rule = new StringBuilder("+");
        for (int width : widths) {
            rule.append("-".repeat(width + 2)).append('+');
        }
        return rule.toString();
    }

    private static String line(String[] cells, int[] widths, JsonNode row) {
        StringBuilder line = new StringBuilder("|");
        for (int c = 0; c < cells.length; c++) {
            String pad = " ".repeat(widths[c] - width(cells[c]));
            boolean right = row != null && row.get(c) != null && row.get(c).isNumber();
            line.append(' ').append(right ? pad + cells[c] : cells[c] + pad).append(" |");
        }
        return line.toString();
    }

    private void printCsv(List<String> columns, List<JsonNode> rows, PrintWriter out) {
        if (headers) {
            out.println(String.join(",", columns.stream().map(ResultPrinter::csvField).toList()));
        }
        for (JsonNode row : rows) {
            List<String> fields = new ArrayList<>(columns.size());
            for (int c = 0; c < columns.size(); c++) {
                JsonNode value = row.get(c);
                fields.add(value == null || value.isNull() ? "" : csvField(text(value)));
            }
            out.println(String.join(",", fields));
        }
    }

    private static String csvField(String text) {
        boolean quote = text.isEmpty() ? false : text.indexOf(',') >= 0 || text.indexOf('"') >= 0
                || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0
                || Character.isWhitespace(text.charAt(0)) || Character.isWhitespace(text.charAt(text.length() - 1));
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    private static void printJson(List<String> columns, List<JsonNode> rows, PrintWriter out) {
        out.print('[');
        for (int r = 0; r < rows.size(); r++) {
            ObjectNode object = JSON.createObjectNode();
            for (int c = 0; c < columns.size(); c++) {
                JsonNode value = rows.get(r).get(c);
                if (value == null || value.isNull()) {
                    object.putNull(columns.get(c));
                } else if (value.isArray()) {
                    object.put(columns.get(c), text(value));
                } else {
                    object.set(columns.get(c), value);
                }
            }
            out.print(r == 0 ? "" : ",\n ");
            out.print(object);
        }
        out.println(']');
    }

    private static void printLines(List<String> columns, List<JsonNode> rows, PrintWriter out) {
        int width = columns.stream().mapToInt(ResultPrinter::width).max().orElse(0);
        for (int r = 0; r < rows.size(); r++) {
            if (r > 0) {
                out.println();
            }
            for (int c = 0; c < columns.size(); c++) {
                String name = columns.get(c);
                out.println(" ".repeat(width - width(name)) + name + " = " + text(rows.get(r).get(c)));
            }
        }
    }

    /** Control characters would break the table's alignment: shown escaped. */
    private static String printable(String text) {
        if (text.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            return text;
        }
        StringBuilder escaped = new StringBuilder();
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> escaped.append(ch < 0x20 || ch == 0x7f
                        ? String.format(Locale.ROOT, "\\x%02x", (int) ch) : String.valueOf(ch));
            }
        }
        return escaped.toString();
    }

    /** Columns the text takes in a terminal (wide East Asian characters take two). */
    static int width(String text) {
        int width = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            width += Math.max(0, WCWidth.wcwidth(codePoint));
            i += Character.charCount(codePoint);
        }
        return width;
    }
}
