package io.halite.server.cli;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/** Why the JDK's HTTP client reached no node, in words: its exceptions often carry no message at all. */
final class Unreachable {
    private Unreachable() {}

    /** "connection refused", "no answer within 5 s", or the failure's own message (its class if it has none). */
    static String describe(Throwable failure, Duration timeout) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + " s";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
