package io.halite.server.shell;

/** A failure the shell reports to its user as one line (its message), without a stack trace. */
final class ShellException extends RuntimeException {
    private final boolean reported;

    ShellException(String message) {
        this(message, false);
    }

    private ShellException(String message, boolean reported) {
        super(message, null, false, false);
        this.reported = reported;
    }

    /** A failure whose line was already printed (an error inside a file run by .read): counts, prints nothing. */
    static ShellException alreadyReported() {
        return new ShellException("(reported)", true);
    }

    boolean reported() {
        return reported;
    }
}
