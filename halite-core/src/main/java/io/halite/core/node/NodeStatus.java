package io.halite.core.node;

import java.util.List;

/**
 * A snapshot of what this node knows about itself and its Raft group.
 *
 * @param clusterIdentity the identity of the cluster this node's data belongs to, empty if none yet
 */
public record NodeStatus(String nodeId, String raftAddress, String state, String leaderId, long term,
                         long commitIndex, long appliedIndex, long lastLogIndex, long snapshotIndex,
                         String databasePath, long databaseBytes, String sqliteVersion, long startedAtMillis,
                         List<Member> members, String clusterIdentity) {

    /** A node's part in its Raft group; {@link #label()} is how {@code /status} shows it. */
    public enum Role {
        LEADER("Leader"), FOLLOWER("Follower"), CANDIDATE("Candidate"), LISTENER("Listener"), UNKNOWN("Unknown");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** A member of the Raft group as this node's configuration lists it; non-voters receive the log only. */
    public record Member(String id, String raftAddress, boolean voter) {}

    /** Whether this node votes (false for a non-voting member, or a node not in the configuration yet). */
    public boolean voter() {
        return members.stream().anyMatch(m -> m.id().equals(nodeId) && m.voter());
    }
}
