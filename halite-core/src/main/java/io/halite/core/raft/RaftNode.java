package io.halite.core.raft;

import io.halite.core.engine.ClusterIdentity;
import io.halite.core.log.EntryCodec;
import io.halite.core.node.ForeignClusterException;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.MemberChannel;
import io.halite.core.node.NodeConfig;
import io.halite.core.node.NodeException;
import io.halite.core.node.NodeStatus;
import io.halite.core.node.NodeTls;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.StatementResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Ratis server and its part (division) of the database's Raft group, behind plain types: the one place
 * outside the state machine where the node meets Ratis. It owns the server, the node's clients of its group and the
 * {@link Proposer}; it answers role, term and leader questions, changes membership, hands leadership over, and
 * reads committed entries back from the log.
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    /** The Raft group of the one database a node serves for now; fixed so that every node agrees on it. */
    private static final RaftGroupId DATABASE_GROUP =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("halite/database/main".getBytes(StandardCharsets.UTF_8)));

    private final String selfId;
    private final RaftServer server;
    private final SqliteStateMachine stateMachine;
    private final GroupClient client;
    private final GroupClient memberClient;
    private final Proposer proposer;
    private final SharedRounds<Long> sharedReadIndex;

    /** What the node around the Raft server does for its state machine (see {@link SqliteStateMachine.Host}). */
    public interface Host {
        /** Fetches a consistent copy of the leader's database into a file in {@code directory}. */
        SqliteStateMachine.Replica fetchReplica(String leaderId, Path directory) throws Exception;

        /** Answers a message between members (an empty answer for none). */
        byte[] answerMember(StateMachineQuery.MemberMessage message);

        /** See {@link SqliteStateMachine.Host#storageFailed}. */
        void storageFailed(String description);

        /** See {@link SqliteStateMachine.Host#fatal}. */
        void fatal(String description, Throwable cause);
    }

    /** Runs before the Raft server of a node that has Raft state starts (see {@code IdentityGuard}). */
    public interface BeforeRestart {
        /**
         * @param storedMembers the members of the configuration stored with the node's Raft state
         * @param probes        opens a channel to members, usable before this node's Raft server runs
         */
        void check(List<NodeConfig.Peer> storedMembers, Function<List<NodeConfig.Peer>, MemberChannel.Probe> probes)
                throws ForeignClusterException;
    }

    private RaftNode(String selfId, RaftServer server, SqliteStateMachine stateMachine, GroupClient client,
                     GroupClient memberClient) {
        this.selfId = selfId;
        this.server = server;
        this.stateMachine = stateMachine;
        this.client = client;
        this.memberClient = memberClient;
        this.proposer = new Proposer(server, DATABASE_GROUP, client::get, this::isLeader);
        this.sharedReadIndex = new SharedRounds<>(this::probeReadIndex);
    }

    /**
     * Starts the Raft server, with the state machine applying the log to {@code databaseFile}.
     *
     * @param peers    the group's first members if this node has no Raft state yet (none: it waits to be added)
     * @param existing whether the node has Raft state ({@link #hasRaftState}): it recovers it, after
     *                 {@code beforeRestart} agreed
     */
    public static RaftNode start(NodeConfig config, NodeTls tls, List<NodeConfig.Peer> peers, boolean existing,
                                 Path databaseFile, ClusterIdentity identity, Host host, BeforeRestart beforeRestart)
            throws IOException {
        Path raftDir = config.dataDir().resolve("raft");
        Files.createDirectories(raftDir);
        RaftProperties properties = RatisSettings.properties(config, raftDir);
        Parameters parameters = RatisSettings.parameters(tls);
        if (existing) {
            beforeRestart.check(storedMembers(groupDirectory(config.dataDir())),
                    known -> probe(known, properties, parameters));
        }
        // The state machine sends member messages through the member client, which needs the running server.
        AtomicReference<GroupClient> members = new AtomicReference<>();
        SqliteStateMachine stateMachine = new SqliteStateMachine(databaseFile, config.database(), identity,
                stateMachineHost(host, members::get));
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.nodeId()))
                .setGroup(RaftGroup.valueOf(DATABASE_GROUP, peers.stream().map(RaftNode::peer).toList()))
                .setStateMachine(stateMachine)
                .setProperties(properties)
                .setParameters(parameters)
                .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        Supplier<RaftServer.Division> division = () -> {
            try {
                return server.getDivision(DATABASE_GROUP);
            } catch (IOException e) {
                return null;
            }
        };
        // Messages between members get their own client: one to a member that does not answer must never hold up
        // the ordered requests (writes) of the other.
        GroupClient client = new GroupClient(DATABASE_GROUP, properties, parameters, division);
        GroupClient memberClient = new GroupClient(DATABASE_GROUP, properties, parameters, division);
        members.set(memberClient);
        stateMachine.addLeaderChangeListener(() -> {
            client.leaderChanged();
            memberClient.leaderChanged();
        });
        return new RaftNode(config.nodeId(), server, stateMachine, client, memberClient);
    }

    private static SqliteStateMachine.Host stateMachineHost(Host host, Supplier<GroupClient> members) {
        return new SqliteStateMachine.Host() {
            @Override
            public SqliteStateMachine.Replica fetchReplica(String leaderId, Path directory) throws Exception {
                return host.fetchReplica(leaderId, directory);
            }

            @Override
            public Message answerMember(StateMachineQuery.MemberMessage message) {
                byte[] answer = host.answerMember(message);
                return answer.length == 0 ? Message.EMPTY : Message.valueOf(UnsafeByteOperations.unsafeWrap(answer));
            }

            @Override
            public CompletableFuture<byte[]> askMember(String memberId, byte[] message) {
                GroupClient client = members.get();
                return client == null ? CompletableFuture.failedFuture(new IllegalStateException("still starting"))
                        : sendToMember(client, memberId, message);
            }

            @Override
            public void storageFailed(String description) {
                host.storageFailed(description);
            }

            @Override
            public void fatal(String description, Throwable cause) {
                host.fatal(description, cause);
            }
        };
    }

    /** Whether {@code dataDir} holds a node's Raft state (it has been a member of a cluster). */
    public static boolean hasRaftState(Path dataDir) {
        return Files.isDirectory(groupDirectory(dataDir));
    }

    /** Where a node keeps the Raft state of the database's group. */
    public static Path groupDirectory(Path dataDir) {
        return dataDir.resolve("raft").resolve(DATABASE_GROUP.getUuid().toString());
    }

    private static RaftPeer peer(NodeConfig.Peer peer) {
        return peer(peer.id(), peer.raftAddress());
    }

    private static RaftPeer peer(String id, String address) {
        return RaftPeer.newBuilder().setId(id).setAddress(address).build();
    }

    /** The members of the configuration Ratis stored with the node's Raft state; none if it stored none. */
    private static List<NodeConfig.Peer> storedMembers(Path groupDirectory) {
        Path file = groupDirectory.resolve("current").resolve("raft-meta.conf");
        List<NodeConfig.Peer> peers = new ArrayList<>();
        try {
            if (Files.exists(file)) {
                var conf = LogEntryProto.parseFrom(Files.readAllBytes(file)).getConfigurationEntry();
                conf.getPeersList().forEach(p -> peers.add(
                        new NodeConfig.Peer(p.getId().toStringUtf8(), p.getAddress())));
                conf.getListenersList().forEach(p -> peers.add(
                        new NodeConfig.Peer(p.getId().toStringUtf8(), p.getAddress())));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the stored Raft configuration {}: {}", file, e.toString());
        }
        return peers;
    }

    /** A channel to {@code peers} through a client of its own, closed with the probe. */
    private static MemberChannel.Probe probe(List<NodeConfig.Peer> peers, RaftProperties properties,
                                             Parameters parameters) {
        GroupClient probe = new GroupClient(DATABASE_GROUP, properties, parameters, () -> null);
        probe.learn(peers.stream().map(RaftNode::peer).toList());
        return new MemberChannel.Probe() {
            @Override
            public CompletableFuture<byte[]> send(String memberId, byte[] message) {
                return sendToMember(probe, memberId, message);
            }

            @Override
            public void close() {
                probe.close();
            }
        };
    }

    /** Member messages travel as non-linearizable queries to one member, which need no leader. */
    private static CompletableFuture<byte[]> sendToMember(GroupClient client, String memberId, byte[] message) {
        return client.get().async()
                .sendStaleRead(Message.valueOf(UnsafeByteOperations.unsafeWrap(message)), 0, RaftPeerId.valueOf(memberId))
                .thenApply(reply -> reply.isSuccess() ? reply.getMessage().getContent().toByteArray() : null);
    }

    /** Sends member messages through a client of their own (see {@link #start}). */
    public MemberChannel memberChannel() {
        return (memberId, message) -> sendToMember(memberClient, memberId, message);
    }

    /** Tells a node that is joining a cluster who its members are, before its own configuration arrives. */
    public void learn(List<NodeConfig.Peer> peers) {
        List<RaftPeer> raftPeers = peers.stream().map(RaftNode::peer).toList();
        memberClient.learn(raftPeers);
        client.learn(raftPeers);
    }

    public SqliteStateMachine stateMachine() {
        return stateMachine;
    }

    /** Submits this node's log entries. */
    public Proposer proposer() {
        return proposer;
    }

    /** How Ratis names this node's part of the group in its own meters. */
    public String memberName() {
        return RaftGroupMemberId.valueOf(server.getId(), DATABASE_GROUP).toString();
    }

    private RaftServer.Division division() throws IOException {
        RaftServer.Division division = server.getDivision(DATABASE_GROUP);
        if (!division.getInfo().isAlive()) {
            String storageFailure = stateMachine.storageFailure();
            throw new IOException(stateMachine.wasRemoved()
                    ? "this node is no longer a member of the cluster (it was removed)"
                    : storageFailure != null ? "this node cannot write its storage (" + storageFailure + ")"
                    : "this node's Raft server has stopped");
        }
        return division;
    }

    /**
     * Throws unless this node's part of the group runs.
     *
     * @throws NodeException {@code UNAVAILABLE} if this node is no longer a member, or its Raft server stopped
     */
    public void checkRunning() {
        whileRunning(division -> null);
    }

    /** {@code read} of this node's division, or {@code whenStopped} if the division does not run. */
    private <T> T ifRunning(Function<RaftServer.Division, T> read, T whenStopped) {
        try {
            return read.apply(division());
        } catch (IOException e) {
            return whenStopped;
        }
    }

    /**
     * {@code read} of this node's division.
     *
     * @throws NodeException {@code UNAVAILABLE}, saying why, if the division does not run
     */
    private <T> T whileRunning(Function<RaftServer.Division, T> read) {
        try {
            return read.apply(division());
        } catch (IOException e) {
            throw NodeException.unavailable(e.getMessage());
        }
    }

    /** Why this node's part of the group does not run, or null if it runs. */
    public String whyNotRunning() {
        try {
            division();
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** The current leader's id, or null if none is known. */
    public String leaderId() {
        return ifRunning(division -> {
            RaftPeerId leader = division.getInfo().getLeaderId();
            return leader == null ? null : leader.toString();
        }, null);
    }

    /** " (leader: id)", or " (no leader is known)": for messages that send a client elsewhere. */
    public String leaderHint() {
        String leader = leaderId();
        return leader == null ? " (no leader is known)" : " (leader: " + leader + ")";
    }

    public boolean isLeader() {
        return ifRunning(division -> division.getInfo().isLeader(), false);
    }

    /** Whether the group has members besides this node, so that every entry is sent to them. */
    public boolean replicates() {
        return ifRunning(division -> {
            RaftConfiguration conf = division.getRaftConf();
            return conf.getCurrentPeers(RaftPeerRole.FOLLOWER).size()
                    + conf.getCurrentPeers(RaftPeerRole.LISTENER).size() > 1;
        }, false);
    }

    /** This node's current Raft term (0 if its division is not running). */
    public long currentTerm() {
        return ifRunning(division -> division.getInfo().getCurrentTerm(), 0L);
    }

    /** Whether this node is a member (a joining node is not, until added), knows a leader, and can serve. */
    public boolean isReady() {
        return ifRunning(division -> {
            var info = division.getInfo();
            boolean member = division.getRaftConf().getPeer(server.getId(), RaftPeerRole.FOLLOWER,
                    RaftPeerRole.LISTENER) != null;
            return member && info.getLeaderId() != null && (!info.isLeader() || info.isLeaderReady());
        }, false);
    }

    /** The highest index this node knows to be committed, or 0 if its division is not running. */
    public long commitIndex() {
        return ifRunning(RaftNode::lastCommittedIndex, 0L);
    }

    /**
     * {@link #commitIndex()}, for callers that must not mistake a stopped node for an empty log.
     *
     * @throws NodeException {@code UNAVAILABLE} if its division is not running
     */
    public long commitIndexOrFail() {
        return whileRunning(RaftNode::lastCommittedIndex);
    }

    private static long lastCommittedIndex(RaftServer.Division division) {
        return division.getRaftLog().getLastCommittedIndex();
    }

    /** How far Raft has applied the log here, or the database's applied index if the division is not running. */
    public long appliedIndex() {
        try {
            return division().getInfo().getLastAppliedIndex();
        } catch (IOException e) {
            return stateMachine.database() == null ? 0 : stateMachine.database().appliedIndex();
        }
    }

    /** The index of the last entry in this node's log (0 if empty), or -1 if its Raft server has stopped. */
    public long lastLogIndex() {
        return ifRunning(RaftNode::lastLogIndex, -1L);
    }

    private static long lastLogIndex(RaftServer.Division division) {
        TermIndex last = division.getRaftLog().getLastEntryTermIndex();
        return last == null ? 0 : last.getIndex();
    }

    /**
     * On a follower that knows its leader: how long ago it last heard from it, in milliseconds; -1 if it knows no
     * leader (or leads).
     */
    public long millisSinceLeaderHeard() {
        return ifRunning(division -> {
            var info = division.getInfo();
            var role = info.getRoleInfoProto();
            if (info.getLeaderId() == null || !role.hasFollowerInfo() || !role.getFollowerInfo().getLeaderInfo().hasId()) {
                return -1L;
            }
            return role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
        }, -1L);
    }

    /** What this node's part of the group says of itself, for {@link NodeStatus}. */
    public record State(NodeStatus.Role role, String leaderId, long term, long commitIndex, long lastLogIndex,
                        long snapshotIndex, List<NodeStatus.Member> members) {}

    /** @throws IOException if its division is not running (why, as the message) */
    public State state() throws IOException {
        RaftServer.Division division = division();
        var info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        return new State(role(info.getCurrentRole()), leader == null ? "" : leader.toString(), info.getCurrentTerm(),
                division.getRaftLog().getLastCommittedIndex(), lastLogIndex(division),
                division.getRaftLog().getSnapshotIndex(), members(division.getRaftConf()));
    }

    private static NodeStatus.Role role(RaftPeerRole role) {
        return switch (role) {
            case LEADER -> NodeStatus.Role.LEADER;
            case FOLLOWER -> NodeStatus.Role.FOLLOWER;
            case CANDIDATE -> NodeStatus.Role.CANDIDATE;
            case LISTENER -> NodeStatus.Role.LISTENER;
            default -> NodeStatus.Role.UNKNOWN;
        };
    }

    /**
     * The members of this node's current configuration, by id.
     *
     * @throws IOException if its division is not running
     */
    public List<NodeStatus.Member> members() throws IOException {
        return members(division().getRaftConf());
    }

    private static List<NodeStatus.Member> members(RaftConfiguration conf) {
        List<NodeStatus.Member> members = new ArrayList<>();
        conf.getAllPeers(RaftPeerRole.FOLLOWER).forEach(p ->
                members.add(new NodeStatus.Member(p.getId().toString(), p.getAddress(), true)));
        conf.getAllPeers(RaftPeerRole.LISTENER).forEach(p ->
                members.add(new NodeStatus.Member(p.getId().toString(), p.getAddress(), false)));
        members.sort(Comparator.comparing(NodeStatus.Member::id));
        return members;
    }

    /**
     * A linearizable read's index (Ratis ReadIndex): once this node has applied it, a local read sees every write
     * committed before the read began. On the leader the local Raft server answers it; elsewhere the leader does, and
     * concurrent reads share one request to it ({@link SharedRounds}).
     * Fails with {@link NodeException} {@code UNAVAILABLE}.
     */
    public CompletableFuture<Long> readIndex() {
        return isLeader() ? probeReadIndex() : sharedReadIndex.next();
    }

    private CompletableFuture<Long> probeReadIndex() {
        return proposer.sendReadOnly(new StateMachineQuery.ReadIndexProbe().toMessage()).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw NodeException.unavailable("linearizable read failed: "
                        + RaftFailures.explain(reply.getException()));
            }
            return Long.parseLong(reply.getMessage().getContent().toStringUtf8());
        });
    }

    /**
     * Runs a read on the leader, if it still believes it leads. Fails with {@link NodeException}
     * {@code UNAVAILABLE}.
     */
    public CompletableFuture<List<StatementResult>> readOnLeader(SqlRequest request) {
        Message message = new StateMachineQuery.ForwardedRead(request).toMessage();
        return client.get().async().sendReadOnlyNonLinearizable(message).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw NodeException.unavailable("the leader could not serve the read: "
                        + RaftFailures.explain(reply.getException()) + leaderHint());
            }
            return EntryCodec.decodeResults(reply.getMessage().getContent().newInput()).get(0);
        });
    }

    /**
     * Edits copies of the voting and non-voting members (id to Raft address); returns whether it changed anything.
     * {@code sent} says that an earlier attempt reached the leader, so the change may already be in the
     * configuration.
     */
    public interface MembershipEdit {
        boolean apply(Map<String, String> voters, Map<String, String> listeners, boolean sent);
    }

    /**
     * Applies an edit to the current configuration through the leader, compare-and-set, retrying while another
     * change is in progress or this node's view of the configuration is behind the leader's. Returns whether the
     * configuration changed (by this call, or by an earlier attempt of it that seemed to fail).
     *
     * @throws NodeException {@code UNAVAILABLE} if not done within {@code timeout}, or whatever the edit throws
     */
    public boolean changeMembership(Duration timeout, String what, MembershipEdit edit) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastFailure = "no leader";
        boolean sent = false;
        while (System.nanoTime() < deadline) {
            RaftConfiguration conf;
            try {
                conf = division().getRaftConf();
            } catch (IOException e) {
                throw NodeException.unavailable(e.getMessage());
            }
            Map<String, String> voters = addresses(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
            Map<String, String> listeners = addresses(conf.getCurrentPeers(RaftPeerRole.LISTENER));
            List<RaftPeer> currentVoters = peers(voters, conf);
            List<RaftPeer> currentListeners = peers(listeners, conf);
            if (!conf.getPreviousPeers().isEmpty()) {
                lastFailure = "another membership change is in progress";
            } else if (!edit.apply(voters, listeners, sent)) {
                return sent;
            } else {
                sent = true;
                try {
                    RaftClientReply reply = client.get().admin().setConfiguration(
                            SetConfigurationRequest.Arguments.newBuilder()
                                    .setServersInCurrentConf(currentVoters)
                                    .setListenersInCurrentConf(currentListeners)
                                    .setServersInNewConf(peers(voters, conf))
                                    .setListenersInNewConf(peers(listeners, conf))
                                    .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                                    .build());
                    if (reply.isSuccess()) {
                        LOG.info("membership change done: {}", what);
                        return true;
                    }
                    lastFailure = reply.getException() == null
                            ? "refused" : RaftFailures.explain(reply.getException());
                } catch (IOException e) {
                    // Another change in progress, a configuration newer than ours, or no leader: look again.
                    lastFailure = RaftFailures.explain(e);
                }
            }
            Thread.sleep(200);
        }
        throw NodeException.unavailable("could not " + what + " within " + timeout.toMillis() + " ms: " + lastFailure);
    }

    private static Map<String, String> addresses(Collection<RaftPeer> peers) {
        Map<String, String> map = new TreeMap<>();
        peers.forEach(p -> map.put(p.getId().toString(), p.getAddress()));
        return map;
    }

    /** The peers at {@code addresses}: those already in {@code conf} as they are there, the others new. */
    private static List<RaftPeer> peers(Map<String, String> addresses, RaftConfiguration conf) {
        List<RaftPeer> peers = new ArrayList<>();
        addresses.forEach((id, address) -> {
            RaftPeer current = conf.getPeer(RaftPeerId.valueOf(id), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
            peers.add(current != null && current.getAddress().equals(address) ? current : peer(id, address));
        });
        return peers;
    }

    /** Transfers leadership to {@code successor}; returns null once it leads, else why it does not. */
    public String handOverLeadership(String successor, Duration timeout) {
        long startedNanos = System.nanoTime();
        try {
            RaftClientReply reply = client.get().admin()
                    .transferLeadership(RaftPeerId.valueOf(successor), timeout.toMillis());
            if (reply.isSuccess()) {
                LOG.info("handed leadership to {} in {} ms", successor,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
                return null;
            }
            return RaftFailures.explain(reply.getException());
        } catch (IOException | RuntimeException e) {
            return RaftFailures.explain(e);
        }
    }

    /** Steps down without naming a successor, in the background: the next election picks one. */
    public void stepDownSoon() {
        CompletableFuture.runAsync(() -> {
            try {
                client.get().admin().transferLeadership(null, 3000);
            } catch (IOException | RuntimeException e) {
                LOG.warn("stepping down failed: {}", e.toString());
            }
        });
    }

    /** If this node leads: the other voter whose log matches the leader's furthest (a listener cannot lead). */
    public String mostCaughtUpVoter() {
        return ifRunning(division -> {
            if (!division.getInfo().isLeader()) {
                return null;
            }
            // Both come from the leader's log appenders, in the same order.
            var followers = division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
            long[] matchIndices = division.getInfo().getFollowerMatchIndices();
            RaftPeerId best = null;
            long bestMatch = -1;
            for (int i = 0; i < Math.min(followers.size(), matchIndices.length); i++) {
                RaftPeerId id = RaftPeerId.valueOf(followers.get(i).getId().getId());
                if (division.getRaftConf().getPeer(id, RaftPeerRole.FOLLOWER) != null && matchIndices[i] > bestMatch) {
                    best = id;
                    bestMatch = matchIndices[i];
                }
            }
            return best == null ? null : best.toString();
        }, null);
    }

    /**
     * How far this leader's Raft believes member {@code id}'s log matches its own (its match index), or
     * {@link Long#MAX_VALUE} if that cannot be read.
     */
    public long believedLogEnd(String id) {
        return ifRunning(division -> {
            var info = division.getInfo();
            // Both lists come from the leader's log appenders, in the same order.
            var followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
            long[] matchIndices = info.getFollowerMatchIndices();
            if (matchIndices != null && matchIndices.length == followers.size()) {
                for (int i = 0; i < matchIndices.length; i++) {
                    if (followers.get(i).getId().getId().toStringUtf8().equals(id)) {
                        return matchIndices[i];
                    }
                }
            }
            return Long.MAX_VALUE;
        }, Long.MAX_VALUE); // stopped: not a leader any more
    }

    /**
     * Applied database entries from index {@code from} on, in order, up to about {@code maxBytes} (at least one if
     * any is applied). Configuration and other Raft-internal entries are skipped.
     */
    public List<HaliteNode.CommittedEntry> appliedEntries(long from, long maxBytes)
            throws IOException, HaliteNode.LogPurgedException {
        RaftServer.Division division = division();
        var log = division.getRaftLog();
        long start = log.getStartIndex();
        long applied = stateMachine.database().appliedIndex();
        if (from <= applied && from < start) {
            throw new HaliteNode.LogPurgedException(from, start);
        }
        List<HaliteNode.CommittedEntry> entries = new ArrayList<>();
        long bytes = 0;
        for (long index = from; index <= applied && (entries.isEmpty() || bytes < maxBytes); index++) {
            LogEntryProto entry = log.get(index);
            if (entry == null) {
                throw new HaliteNode.LogPurgedException(index, log.getStartIndex());
            }
            if (entry.hasStateMachineLogEntry()) {
                byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
                entries.add(new HaliteNode.CommittedEntry(index, entry.getTerm(), data));
                bytes += data.length;
            }
        }
        return entries;
    }

    /** The term of the entry at {@code index} if this node still knows it (in its log or as its snapshot), else -1. */
    public long termAt(long index) throws IOException {
        RaftServer.Division division = division();
        TermIndex at = division.getRaftLog().getTermIndex(index);
        if (at != null) {
            return at.getTerm();
        }
        SnapshotInfo snapshot = division.getStateMachine().getLatestSnapshot();
        return snapshot != null && snapshot.getIndex() == index ? snapshot.getTerm() : -1;
    }

    /** Stops the Raft server alone (this node leaves the group until a restart); the clients stay for {@link #close}. */
    public void stopServer() throws IOException {
        server.close();
    }

    @Override
    public void close() throws IOException {
        memberClient.close();
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
