package io.halite.core.node;

/**
 * A request the node could not serve, with the HTTP status that describes why and whether a retry may succeed.
 * The message is meant for clients.
 */
public class NodeException extends RuntimeException {
    private final int status;

    public NodeException(int status, String message) {
        super(message);
        this.status = status;
    }

    public NodeException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static NodeException tooLarge(String message) {
        return new NodeException(413, message);
    }

    public static NodeException unavailable(String message) {
        return new NodeException(503, message);
    }
}
