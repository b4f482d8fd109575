package io.halite.core.engine;

/**
 * The node is shutting down: the statement running on the writer was stopped, and the entries applied since the
 * last commit were rolled back. They stay in the Raft log and are applied at the next start.
 */
public final class NodeStoppingException extends RuntimeException {
    public NodeStoppingException() {
        super("the node is shutting down", null, false, false);
    }
}
