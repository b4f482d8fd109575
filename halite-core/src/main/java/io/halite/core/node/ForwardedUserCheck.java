package io.halite.core.node;

/**
 * The leader's own verdict on a request a follower forwarded for a user: the follower checked it already, but its
 * users may be out of date. Supplied by the server (core knows users only as opaque names); consulted before an
 * entry is logged, never while applying one, so replay stays deterministic.
 */
@FunctionalInterface
public interface ForwardedUserCheck {
    /**
     * @param user   the name the follower authenticated
     * @param writes whether the request writes (else it is a read through the log)
     * @return null if the user may make the request here, else why not (for the log and the client)
     */
    String refusal(String user, boolean writes);
}
