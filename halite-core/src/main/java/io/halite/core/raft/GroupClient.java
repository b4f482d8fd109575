package io.halite.core.raft;

import io.halite.core.node.NodeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Ratis client to its own group. A Ratis client knows a fixed list of servers, so this one is rebuilt
 * whenever the group's membership changes: a node can then reach members added after it started, and a node that
 * joined can reach the cluster before its own configuration arrives (through the members it was told of). It is
 * also rebuilt when this node sees a new leader, so that new requests go straight there instead of first waiting
 * out a request to an old leader that may be cut off without a reset; requests already sent to the old leader are
 * sent again at once ({@link #leaderChanged()}).
 */
final class GroupClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupClient.class);
    /** Requests still running on a replaced client get this long to finish before it closes. */
    private static final long RETIRE_AFTER_SECONDS = 60;
    /**
     * Closing a client's connection to a member that does not answer blocks for seconds (Ratis 3.3 waits 3 s for
     * gRPC's graceful shutdown, then up to 2 s more), so it happens on threads of its own, one per connection.
     */
    private static final ExecutorService CONNECTION_CLOSERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "halite-raft-client-closer");
        t.setDaemon(true);
        return t;
    });

    private final RaftGroupId groupId;
    private final RaftProperties properties;
    private final Parameters parameters;
    private final Supplier<RaftServer.Division> division;
    private Map<String, String> knownPeers = Map.of();
    private Map<String, String> clientPeers;
    private volatile RaftClient client;
    /** Replaced clients whose requests may still be running. */
    private final Set<RaftClient> retiring = ConcurrentHashMap.newKeySet();
    private RaftPeerId clientLeader;
    /** What the client was last checked against, and the client: the fast path of {@link #get()}. */
    private volatile Checked checked;

    private record Checked(RaftConfiguration configuration, RaftPeerId leader, RaftClient client) {}

    /**
     * @param division this node's part of the group (null if unavailable): its configuration (empty until it has
     *                 one) gives the members, and a new client starts at the leader it knows rather than at a
     *                 random member (which might be a non-voting member that cannot take requests yet)
     * @param parameters what Ratis takes besides properties: the TLS configuration, when Raft runs over TLS
     */
    GroupClient(RaftGroupId groupId, RaftProperties properties, Parameters parameters,
                Supplier<RaftServer.Division> division) {
        this.groupId = groupId;
        this.properties = properties;
        this.parameters = parameters;
        this.division = division;
    }

    /** Members learned outside Raft (from the cluster a node joins), used while this node has no configuration. */
    synchronized void learn(Collection<RaftPeer> peers) {
        knownPeers = addresses(peers);
        checked = null;
    }

    /** A client that knows every current member; fails if this node knows of no member at all. */
    RaftClient get() {
        RaftServer.Division current = division.get();
        RaftConfiguration conf = current == null ? null : current.getRaftConf();
        RaftPeerId leaderId = current == null ? null : current.getInfo().getLeaderId();
        Checked last = checked;
        if (last != null && last.configuration() == conf && java.util.Objects.equals(last.leader(), leaderId)) {
            return last.client();
        }
        return rebuildIfChanged(conf, leaderId);
    }

    private synchronized RaftClient rebuildIfChanged(RaftConfiguration conf, RaftPeerId leaderId) {
        Map<String, String> peers = conf == null ? Map.of() : addresses(conf.getAllPeers(RaftPeerRole.FOLLOWER));
        if (conf != null) {
            peers.putAll(addresses(conf.getAllPeers(RaftPeerRole.LISTENER)));
        }
        if (peers.isEmpty()) {
            peers = knownPeers;
        }
        if (peers.isEmpty()) {
            throw NodeException.unavailable("this node is not a member of a cluster yet (it is waiting to be added)");
        }
        boolean newLeader = leaderId != null && !leaderId.equals(clientLeader);
        if (!peers.equals(clientPeers) || newLeader) {
            RaftClient previous = client;
            if (previous != null) {
                retiring.add(previous);
            }
            client = build(peers, leaderId);
            if (previous != null) {
                if (!peers.equals(clientPeers)) {
                    LOG.info("cluster members are now {}", peers);
                }
                CompletableFuture.delayedExecutor(RETIRE_AFTER_SECONDS, TimeUnit.SECONDS, CONNECTION_CLOSERS)
                        .execute(() -> {
                            retiring.remove(previous);
                            close(previous);
                        });
            }
            clientPeers = peers;
            clientLeader = leaderId;
        }
        checked = new Checked(conf, leaderId, client);
        return client;
    }

    /**
     * Called when this node learns of a new leader. Every request a client of this node still has at a former
     * leader is sent again now, by the same client with the same call id, so Ratis's retry cache keeps it from
     * being applied twice. Left alone, such a request to a leader that hangs with its connections open (a frozen
     * process, a stopped machine) failed only at the client request timeout, and Ratis then spent up to 3 s more
     * closing that connection before retrying: over 6 s for a write with 300 ms elections. Closing the connection
     * fails its requests at once; Ratis retries them with another member, which points them to the new leader.
     */
    void leaderChanged() {
        RaftServer.Division current = division.get();
        RaftPeerId leader = current == null ? null : current.getInfo().getLeaderId();
        if (leader == null) {
            return;
        }
        List<RaftClient> clients = new ArrayList<>(retiring);
        RaftClient latest = client;
        if (latest != null) {
            clients.add(latest);
        }
        for (RaftClient c : clients) {
            RaftPeerId target = c.getLeaderId();
            if (target != null && !target.equals(leader)) {
                CONNECTION_CLOSERS.execute(() -> dropConnection(c, target));
            }
        }
    }

    private static void dropConnection(RaftClient client, RaftPeerId formerLeader) {
        try {
            client.getClientRpc().handleException(formerLeader,
                    new IOException(formerLeader + " is no longer the leader"), true);
        } catch (RuntimeException e) {
            LOG.debug("dropping a connection to former leader {}: {}", formerLeader, e.toString());
        }
    }

    private RaftClient build(Map<String, String> peers, RaftPeerId leaderId) {
        List<RaftPeer> list = peers.entrySet().stream()
                .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build())
                .toList();
        return RaftClient.newBuilder()
                .setLeaderId(leaderId != null && peers.containsKey(leaderId.toString()) ? leaderId : null)
                .setProperties(properties)
                .setParameters(parameters)
                .setRaftGroup(RaftGroup.valueOf(groupId, list))
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    private static Map<String, String> addresses(Collection<RaftPeer> peers) {
        Map<String, String> map = new TreeMap<>();
        peers.forEach(p -> map.put(p.getId().toString(), p.getAddress()));
        return map;
    }

    private static void close(RaftClient client) {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing a replaced Raft client: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            close(client);
        }
    }
}
