package io.halite.core.node;

import io.halite.core.engine.SqliteDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a node needs to start.
 *
 * @param nodeId           this node's id, unique in the cluster
 * @param dataDir          holds the Raft log and the SQLite database
 * @param raftAddress      host:port other members reach this node's Raft (gRPC) server at
 * @param peers            the cluster's voting members including this node; empty means a single node, or a
 *                         node that joins a running cluster
 * @param join             start without a configuration and wait for a member to add this node (halite serve
 *                         --join); ignored once the node has been a member
 * @param database         SQLite options
 * @param maxRequestBytes  the largest single write request (its encoded log entry)
 * @param entryTargetBytes writes are batched into entries of about this size
 * @param maxInFlight      entries proposed and not yet committed by a node alone; in a group, at most as many as
 *                         Ratis sends a follower at once (see {@code HaliteNode})
 * @param electionTimeout  a follower that hears no leader for this long (up to twice it) starts an election
 * @param snapshotEvery    applied entries between snapshots (durable points after which the log is purged)
 * @param apiAddress       how clients reach this node's API (e.g. {@code http://10.0.0.1:4001}), told to other
 *                         members that ask; may be empty for a node without one
 * @param raftBindAddress  host:port the Raft server listens on: {@code raftAddress}, or a wildcard such as
 *                         {@code 0.0.0.0:4002} while {@code raftAddress} names a host the others can reach
 */
public record NodeConfig(String nodeId, Path dataDir, String raftAddress, List<Peer> peers, boolean join,
                         SqliteDatabase.Options database, long maxRequestBytes, long entryTargetBytes,
                         int maxInFlight, Duration electionTimeout, long snapshotEvery, String apiAddress,
                         String raftBindAddress) {

    /** A cluster member: its id and Raft address. */
    public record Peer(String id, String raftAddress) {}

    public NodeConfig {
        peers = List.copyOf(peers);
    }

    public static NodeConfig singleNode(String nodeId, Path dataDir, String raftAddress) {
        return new NodeConfig(nodeId, dataDir, raftAddress, List.of(), false, SqliteDatabase.Options.defaults(),
                8L << 20, 1L << 20, 4, Duration.ofSeconds(1), 4096, "", raftAddress);
    }

    public NodeConfig withSnapshotEvery(long entries) {
        return new NodeConfig(nodeId, dataDir, raftAddress, peers, join, database, maxRequestBytes, entryTargetBytes,
                maxInFlight, electionTimeout, entries, apiAddress, raftBindAddress);
    }
}
