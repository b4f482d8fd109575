package io.halite.server.shell;

import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;

/**
 * How JLine reads the shell's input: Enter on an unfinished statement adds a line instead of running it (JLine
 * keeps the whole statement as one history entry), and words for completion end at SQL punctuation as well as
 * at spaces, so that {@code FROM t,us<Tab>} completes {@code us} (a dot-command's words end only at spaces).
 */
final class SqlLineParser extends DefaultParser {
    private static final String PUNCTUATION = "(),;=<>+-*/|%&~!";

    SqlLineParser() {
        escapeChars(new char[0]); // SQL has no backslash escapes: a quote is doubled instead
    }

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE && !InputBuffer.isComplete(line)) {
            throw new EOFError(-1, -1, "statement not ended with ;", "");
        }
        return super.parse(line, cursor, context);
    }

    @Override
    public boolean isDelimiterChar(CharSequence buffer, int pos) {
        char c = buffer.charAt(pos);
        if (Character.isWhitespace(c)) {
            return true;
        }
        // A dot-command's arguments are file names and patterns: only spaces separate them.
        return !isDotCommand(buffer) && (PUNCTUATION.indexOf(c) >= 0 || c == '.');
    }

    private static boolean isDotCommand(CharSequence buffer) {
        for (int i = 0; i < buffer.length(); i++) {
            if (!Character.isWhitespace(buffer.charAt(i))) {
                return buffer.charAt(i) == '.';
            }
        }
        return false;
    }
}
