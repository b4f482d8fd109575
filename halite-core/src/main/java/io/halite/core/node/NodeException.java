package io.halite.core.node;

/**
 * A request the node could not serve, with the {@link Reason} that says why and whether a retry may succeed. The
 * message is meant for clients; the API decides what each reason looks like on its protocol.
 */
public class NodeException extends RuntimeException {
    /** Why a request failed. */
    public enum Reason {
        /** The node cannot serve it now (no leader, starting, stopping, busy); a retry may succeed. */
        UNAVAILABLE,
        /** It is served only by the leader, and this node is not the leader. */
        NOT_LEADER,
        /** It was sent to the log but not confirmed: it may or may not have been applied. */
        OUTCOME_UNKNOWN,
        /** It is larger than one log entry may be. */
        TOO_LARGE,
        /** The transaction cannot go on, or did not commit; nothing of it was applied, and it may be retried. */
        TRANSACTION_ABORTED,
        /** No open transaction has the id given. */
        NO_SUCH_TRANSACTION,
        /** The transaction was begun by another user. */
        NOT_TRANSACTION_OWNER,
        /** No member has the id given. */
        NO_SUCH_MEMBER,
        /** The cluster's membership does not allow it as asked (a member with another role, no other voter). */
        MEMBERSHIP_CONFLICT,
        /** It would remove the cluster's last voting member. */
        LAST_VOTER,
        /** The leader refused the user a follower forwarded it for (its users differ from the follower's). */
        USER_REFUSED
    }

    private final Reason reason;

    public NodeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public static NodeException unavailable(String message) {
        return new NodeException(Reason.UNAVAILABLE, message);
    }

    public static NodeException notLeader(String message) {
        return new NodeException(Reason.NOT_LEADER, message);
    }

    public static NodeException outcomeUnknown(String message) {
        return new NodeException(Reason.OUTCOME_UNKNOWN, message);
    }

    public static NodeException tooLarge(String message) {
        return new NodeException(Reason.TOO_LARGE, message);
    }
}
