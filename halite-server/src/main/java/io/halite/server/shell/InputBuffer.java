package io.halite.server.shell;

import io.halite.core.sql.SqlLexer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts input, line by line, into what the shell runs: dot-commands (a line that starts with {@code .} while no
 * statement is pending) and complete SQL statements (ended by {@code ;}, as {@link SqlLexer#statementEnd} finds
 * it). Each piece keeps the line it starts on, for error messages.
 */
final class InputBuffer {
    /** A dot-command line or one complete statement, and the line number it starts on. */
    record Piece(String text, int line, boolean dotCommand) {}

    private final StringBuilder pending = new StringBuilder();
    private int pendingFirstLine;
    private int lines;

    /** Adds one line; returns the pieces it completes. */
    List<Piece> add(String line) {
        lines++;
        List<Piece> pieces = new ArrayList<>();
        if (SqlLexer.isBlank(pending.toString()) && line.stripLeading().startsWith(".")) {
            pending.setLength(0);
            pieces.add(new Piece(line.strip(), lines, true));
            return pieces;
        }
        if (pending.length() == 0) {
            pendingFirstLine = lines;
        }
        pending.append(line).append('\n');
        String text = pending.toString();
        int start = 0;
        int end;
        while ((end = SqlLexer.statementEnd(text, start)) >= 0) {
            addStatement(pieces, text, start, end);
            start = end;
        }
        if (start > 0) {
            pendingFirstLine += lineBreaks(text, 0, start);
            pending.delete(0, start);
        }
        return pieces;
    }

    /** The text left without its {@code ;} at the end of the input (run as it is), or null if it is blank. */
    Piece finish() {
        String rest = pending.toString();
        pending.setLength(0);
        if (SqlLexer.isBlank(rest)) {
            return null;
        }
        return new Piece(rest.strip(), pendingFirstLine + leadingBlankLines(rest), false);
    }

    /** Whether text typed at the prompt is ready to run: a dot-command, or statements all ended by {@code ;}. */
    static boolean isComplete(String text) {
        if (text.stripLeading().startsWith(".") || SqlLexer.isBlank(text)) {
            return true;
        }
        int start = 0;
        int end;
        while ((end = SqlLexer.statementEnd(text, start)) >= 0) {
            start = end;
        }
        return SqlLexer.isBlank(text.substring(start));
    }

    private void addStatement(List<Piece> pieces, String text, int start, int end) {
        String statement = text.substring(start, end);
        if (!SqlLexer.isBlank(statement.substring(0, statement.length() - 1))) {
            int line = pendingFirstLine + lineBreaks(text, 0, start) + leadingBlankLines(statement);
            pieces.add(new Piece(statement.strip(), line, false));
        }
    }

    private static int leadingBlankLines(String text) {
        int firstCharacter = 0;
        while (firstCharacter < text.length() && Character.isWhitespace(text.charAt(firstCharacter))) {
            firstCharacter++;
        }
        return lineBreaks(text, 0, firstCharacter);
    }

    private static int lineBreaks(String text, int from, int to) {
        int count = 0;
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                count++;
            }
        }
        return count;
    }
}
