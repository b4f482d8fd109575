package io.halite.core.node;

/**
 * Why a node cannot go on in this process. The process should end with a non-zero exit so that its supervisor
 * starts it again: a new process replays the log from what the database holds.
 *
 * @param cause the error behind it, if there is one
 */
public record NodeStop(Reason reason, String message, Throwable cause) {

    public enum Reason {
        /** An error the process cannot recover from: out of memory, a failed apply, the Raft server stopped. */
        FATAL,
        /**
         * The storage refused writes: either it is writable again (Ratis's log stays failed for the life of the
         * process, so only a new process resumes), or this node leads and the others must elect a leader that can
         * write.
         */
        STORAGE,
        /**
         * The node's data belongs to another cluster (its identity differs from the leader's): it must not go on, and
         * a restart on the same data directory would not help.
         */
        FOREIGN_CLUSTER
    }
}
