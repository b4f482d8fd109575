package io.halite.core.node;

import java.util.concurrent.CompletableFuture;

/**
 * Sends a member message (see {@link MemberDirectory}) to one member and hands back its answer. Messages need no
 * leader: a member answers them itself.
 */
public interface MemberChannel {
    /**
     * Sends {@code message} to member {@code memberId}. The future holds the member's answer, or null if the member
     * refused the message, and fails if it could not be delivered.
     *
     * @throws RuntimeException if this node knows no member to send it through (it has not joined a cluster yet)
     */
    CompletableFuture<byte[]> send(String memberId, byte[] message);

    /** A channel of its own to a list of members, for a node whose Raft server does not run yet; closed after use. */
    interface Probe extends MemberChannel, AutoCloseable {
        @Override
        void close();
    }
}
