package io.halite.core.node;

import io.halite.core.engine.ClusterIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a member whose data belongs to another cluster from voting or serving, and founds the identity of a cluster
 * that has none (see {@link ClusterIdentity}).
 *
 * <p>A data directory from another cluster of the same database (a stale volume, a restored snapshot) holds the
 * same group id, node ids and addresses; Raft compares only terms and indexes, so its log could win an election and
 * replace this cluster's data. So a member with Raft state asks the others for their identity before its Raft
 * server starts, and refuses to start if none of those that have one has its own. A member that learns later that
 * the leader's identity differs from its own stops.
 */
final class IdentityGuard {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityGuard.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
    /** A founding entry is proposed again only if the previous one has not been applied by then. */
    private static final long FOUND_AGAIN_AFTER_NANOS = Duration.ofSeconds(10).toNanos();

    private final String selfId;
    private final Path dataDir;
    private final ClusterIdentity identity;
    private final Consumer<NodeStop> onStop;
    private final Set<String> reportedStrangers = ConcurrentHashMap.newKeySet();
    private long lastFoundingNanos = System.nanoTime() - FOUND_AGAIN_AFTER_NANOS;

    IdentityGuard(String selfId, Path dataDir, ClusterIdentity identity, Consumer<NodeStop> onStop) {
        this.selfId = selfId;
        this.dataDir = dataDir;
        this.identity = identity;
        this.onStop = onStop;
    }

    /**
     * Before a member with Raft state starts its Raft server: asks the members it knows (its {@code stored}
     * configuration and {@code configured}) which cluster they belong to, through channels opened by {@code probes}. Members that do not answer within a few seconds, that
     * run the previous version or that have no identity yet prove nothing, and a member none of them answers (the
     * whole cluster restarting) starts: what it learns later still stops it.
     *
     * @throws ForeignClusterException if the members that have an identity all have another one than this node
     */
    static void checkBeforeStart(String selfId, Path dataDir, ClusterIdentity identity, List<NodeConfig.Peer> stored,
                                 List<NodeConfig.Peer> configured,
                                 Function<List<NodeConfig.Peer>, MemberChannel.Probe> probes)
            throws ForeignClusterException {
        if (!identity.isKnown()) {
            return;
        }
        // The stored configuration is what Ratis will use; the configured peers are asked too where their addresses
        // differ, as they are where the operator expects this node's cluster.
        List<NodeConfig.Peer> others = withoutSelf(stored, selfId);
        List<NodeConfig.Peer> elsewhere = withoutSelf(configured, selfId).stream()
                .filter(peer -> !others.contains(peer)).toList();
        Map<String, String> theirs = new LinkedHashMap<>();
        for (List<NodeConfig.Peer> peers : List.of(others, elsewhere)) {
            if (!peers.isEmpty()) {
                theirs.putAll(identitiesOf(peers, probes));
            }
        }
        if (theirs.isEmpty()) {
            LOG.info("no member told its cluster identity before start (not running yet, or without one); this "
                    + "node's is {}", identity.value());
        } else if (theirs.containsValue(identity.value())) {
            LOG.info("cluster identity {} confirmed by {}", identity.value(), keysWith(theirs, identity.value()));
        } else {
            throw new ForeignClusterException(foreignMessage(dataDir, identity.value(), describe(theirs)));
        }
    }

    /**
     * What a member said of itself: a member without an identity adopts the leader's; a follower whose identity
     * differs from the leader's stops; a leader logs, once, a member that belongs elsewhere (that member stops when
     * it hears the leader).
     */
    void heard(String id, HaliteNode.MemberInfo info, String leaderId, boolean selfLeads) {
        String theirs = info.clusterIdentity();
        if (theirs == null || theirs.isEmpty() || theirs.equals(identity.value())) {
            return;
        }
        boolean fromLeader = id.equals(leaderId);
        if (!identity.isKnown()) {
            if (fromLeader) {
                try {
                    if (identity.adoptIfUnknown(theirs)) {
                        LOG.info("this cluster's identity is {}, as the leader {} says", theirs, id);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot record the cluster identity {}: {}; trying again later", theirs, e.toString());
                }
            }
            return;
        }
        if (fromLeader && !selfLeads) {
            onStop.accept(new NodeStop(NodeStop.Reason.FOREIGN_CLUSTER,
                    foreignMessage(dataDir, identity.value(), id + " (the leader): " + theirs), null));
        } else if (selfLeads && reportedStrangers.add(id + " " + theirs)) {
            LOG.error("member {} holds data of another cluster (identity {}, this cluster's is {}); it stops when it "
                    + "hears from this leader, and must be started with an empty data directory", id, theirs,
                    identity.value());
        }
    }

    /**
     * Founds the cluster's identity if it has none: a ready leader proposes an empty batch once every other member
     * has said, within the last seconds, that it runs a version with identities and has none. Then every member
     * applies that entry with no identity yet and founds the same one from it; a member of the previous version
     * would not, so none may be in the configuration. Two leaders may each propose one: the log orders them, and a
     * member that founded its identity ignores every later empty batch.
     */
    synchronized void foundIfDue(boolean readyLeader, Collection<String> otherMembers,
                                 Function<String, HaliteNode.MemberInfo> heardRecently, Runnable proposeFounding) {
        if (identity.isKnown() || !readyLeader || System.nanoTime() - lastFoundingNanos < FOUND_AGAIN_AFTER_NANOS) {
            return;
        }
        for (String member : otherMembers) {
            HaliteNode.MemberInfo info = heardRecently.apply(member);
            if (info == null || info.clusterIdentity() == null || !info.clusterIdentity().isEmpty()) {
                return;
            }
        }
        lastFoundingNanos = System.nanoTime();
        LOG.info("proposing the entry that founds this cluster's identity");
        proposeFounding.run();
    }

    private static List<NodeConfig.Peer> withoutSelf(List<NodeConfig.Peer> peers, String selfId) {
        return peers.stream().filter(peer -> !peer.id().equals(selfId)).toList();
    }

    /** The identities {@code peers} report (by "id at address"), asked in parallel; those without one are left out. */
    private static Map<String, String> identitiesOf(List<NodeConfig.Peer> peers,
                                                    Function<List<NodeConfig.Peer>, MemberChannel.Probe> probes) {
        Map<String, String> identities = new LinkedHashMap<>();
        try (MemberChannel.Probe probe = probes.apply(peers)) {
            Map<NodeConfig.Peer, CompletableFuture<HaliteNode.MemberInfo>> answers = new LinkedHashMap<>();
            peers.forEach(peer -> answers.put(peer, MemberDirectory.ask(probe, peer.id(), ASK_TIMEOUT)));
            answers.forEach((peer, answer) -> {
                HaliteNode.MemberInfo info = answer.join();
                if (info != null && info.clusterIdentity() != null && !info.clusterIdentity().isEmpty()) {
                    identities.put(peer.id() + " at " + peer.raftAddress(), info.clusterIdentity());
                }
            });
        }
        return identities;
    }

    private static String foreignMessage(Path dataDir, String ours, String theirs) {
        return "the data directory " + dataDir + " belongs to another cluster: its cluster identity is " + ours
                + ", while this cluster's members report " + theirs + ". Its Raft log would replace this cluster's "
                + "data, so this node neither votes nor serves. Start it with an empty data directory (move " + dataDir
                + " away): it then catches up from the cluster by a copy of its database";
    }

    private static String describe(Map<String, String> identities) {
        List<String> parts = new ArrayList<>();
        identities.forEach((id, value) -> parts.add(id + ": " + value));
        return String.join(", ", parts);
    }

    private static List<String> keysWith(Map<String, String> identities, String value) {
        return identities.entrySet().stream().filter(e -> e.getValue().equals(value)).map(Map.Entry::getKey).toList();
    }
}
