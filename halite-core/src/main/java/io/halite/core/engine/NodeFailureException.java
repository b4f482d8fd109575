package io.halite.core.engine;

/**
 * The database on this node can no longer apply the log faithfully (disk full, I/O error, corruption). The node
 * must stop rather than record a result that other replicas would not.
 */
public final class NodeFailureException extends RuntimeException {
    public NodeFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
