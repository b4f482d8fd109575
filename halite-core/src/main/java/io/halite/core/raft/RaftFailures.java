package io.halite.core.raft;

import io.halite.core.engine.NodeStoppingException;
import io.halite.core.node.NodeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why a request to the Raft group failed, in words a client can use. Ratis's own messages name its exception
 * classes, group ids and call ids; those go to the node's log instead. Also which of Ratis's failures only say that
 * this node is not serving, for the log to leave out.
 */
public final class RaftFailures {
    private static final Logger LOG = LoggerFactory.getLogger(RaftFailures.class);

    private RaftFailures() {}

    /** Explains {@code failure} (a Ratis exception, possibly wrapped) and logs Ratis's description of it. */
    public static String explain(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause == null) {
            return "unknown error";
        }
        if (cause instanceof NodeException) {
            return cause.getMessage();
        }
        if (!cause.getClass().getName().startsWith("org.apache.ratis.")) {
            // Halite's own failures, and the JDK's (a refused connection), say what happened.
            return cause.getMessage() == null ? "unknown error" : cause.getMessage();
        }
        LOG.debug("Raft request failed", cause);
        if (cause instanceof NotLeaderException || cause instanceof LeaderSteppingDownException) {
            return "the leader changed";
        }
        if (cause instanceof LeaderNotReadyException) {
            return "the new leader is not ready yet";
        }
        if (cause instanceof RaftRetryFailureException) {
            return "no leader accepted it, however often it was sent";
        }
        if (cause instanceof TimeoutIOException) {
            return "the leader did not answer in time";
        }
        if (cause instanceof AlreadyClosedException) {
            return "the node is shutting down";
        }
        if (cause instanceof ReadIndexException || cause instanceof ReadException) {
            return "the leader could not confirm that it still leads";
        }
        if (cause instanceof StateMachineException) {
            for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                if (c instanceof NodeStoppingException) {
                    return "the node shut down while applying it (it is in the log, and applied when the node starts "
                            + "again)";
                }
            }
            return "the leader failed to run it (its log has the details)";
        }
        if (cause instanceof ServerNotReadyException) {
            return "the node is still starting";
        }
        if (cause instanceof GroupMismatchException) {
            return "the node is not a member of this cluster";
        }
        if (cause instanceof ReconfigurationInProgressException) {
            return "another membership change is in progress";
        }
        if (cause instanceof TransferLeadershipException) {
            // Ratis's message names the reason as a constant (DIFFERENT_LEADER, ...) among ids: for the log.
            LOG.info("leadership transfer failed: {}", cause.getMessage());
            return "the chosen successor did not take over (it may not hold the whole log yet, or another member "
                    + "was elected)";
        }
        LOG.info("Raft request failed: {}", cause.toString());
        return "the cluster refused it (the node's log has the details)";
    }

    /** Whether {@code failure} (possibly wrapped) says that the node it was sent to does not lead. */
    static boolean isNotLeader(Throwable failure) {
        return unwrap(failure) instanceof NotLeaderException;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Whether {@code thrown}, which Ratis is about to log, only says that this node's Raft server is not serving
     * (it is closing, or not started yet): an entry the stopping database refused, an append refused as not
     * running. Ratis logs these at ERROR with a stack trace, dozens of times in a clean stop; it already logs the
     * second kind without one elsewhere.
     */
    public static boolean isNotServingNoise(Throwable thrown) {
        for (Throwable e = thrown; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof NodeStoppingException || e instanceof ServerNotReadyException) {
                return true;
            }
        }
        return false;
    }
}
