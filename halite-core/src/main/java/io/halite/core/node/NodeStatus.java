package io.halite.core.node;

/** A snapshot of what this node knows about itself and its Raft group. */
public record NodeStatus(String nodeId, String raftAddress, String state, String leaderId, long term,
                         long commitIndex, long appliedIndex, long lastLogIndex, long snapshotIndex,
                         String databasePath, long databaseBytes, String sqliteVersion, long startedAtMillis) {}
