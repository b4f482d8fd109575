package io.halite.server.tls;

/**
 * A certificate or key file that cannot be used, with a message naming the file and the problem (never a class
 * name or a trace): what {@code halite serve} prints when it refuses to start, and what a reload logs when it keeps
 * the material already in force.
 */
public final class TlsFileException extends Exception {
    public TlsFileException(String message) {
        super(message);
    }
}
