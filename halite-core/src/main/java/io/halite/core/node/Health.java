package io.halite.core.node;

/**
 * Whether a node can serve, and if not, why.
 *
 * @param reason empty when {@link State#OK}, else a sentence for operators
 */
public record Health(State state, String reason) {

    public enum State {
        OK,
        /** No leader is known, or this node is not a member yet. */
        NO_LEADER,
        /** A follower that has not applied what the leader had applied a while ago (or since it started). */
        CATCHING_UP,
        /** The Raft log or the database cannot be written; the node applies nothing until it is restarted. */
        STORAGE_FAILED,
        /** This node's Raft server has stopped (it was removed, or it failed). */
        STOPPED,
        /** The process is stopping (SIGTERM): the node serves what is in flight, but is not ready for more. */
        SHUTTING_DOWN
    }
}
