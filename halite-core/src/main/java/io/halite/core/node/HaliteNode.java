package io.halite.core.node;

import io.halite.core.engine.ClusterIdentity;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.log.LogEntry;
import io.halite.core.raft.Proposer;
import io.halite.core.raft.RaftFailures;
import io.halite.core.raft.RaftNode;
import io.halite.core.raft.RatisSettings;
import io.halite.core.raft.SqliteStateMachine;
import io.halite.core.raft.StateMachineQuery;
import io.halite.core.raft.WriteBatcher;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Halite node: a Ratis server hosting the database's Raft group ({@link RaftNode}), the state machine applying it
 * to SQLite, and the write batcher. A single node is a one-member group, so one code path serves 1, 3 or 5 nodes.
 *
 * <p>This class is the facade the server uses, and owns the node's life: starting, serving, stopping, and what it
 * does when its storage fails. Reads are decided by {@link ReadPolicy}; membership changes and leader hand-overs
 * are made by {@link Membership}; what members say of themselves is acted on by {@link MemberHealth}.
 */
public final class HaliteNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaliteNode.class);
    private static final int LOAD_CHUNK_BYTES = 4 << 20;

    private final NodeConfig config;
    private final SqliteStateMachine stateMachine;
    private final RaftNode raft;
    private final Proposer proposer;
    private final WriteBatcher batcher;
    private final long startedAt = System.currentTimeMillis();
    private final MemberDirectory members;
    private final Membership membership;
    private final ReadPolicy reads;
    private final IdentityGuard identityGuard;
    private final InteractiveTransactions transactions;
    private final Consumer<NodeStop> onStop;
    private final ReplicaFetcher copies;
    private final CatchUp catchUp = new CatchUp();
    private final WriteQueue writeQueue;
    private final NodeMeters meters;
    /** Set by {@link #prepareToStop}: the node is not ready from then on. */
    private volatile boolean stopping;

    private HaliteNode(NodeConfig config, ReplicaFetcher copies, RaftNode raft, Consumer<NodeStop> onStop,
                       MeterRegistry meterRegistry) {
        this.config = config;
        this.copies = copies;
        this.meters = new NodeMeters(meterRegistry, raft.memberName());
        this.raft = raft;
        this.stateMachine = raft.stateMachine();
        this.onStop = onStop;
        this.identityGuard = new IdentityGuard(config.nodeId(), config.dataDir(), stateMachine.identity(), onStop);
        MemberHealth health = new MemberHealth(raft, stateMachine, catchUp, identityGuard);
        this.members = new MemberDirectory(config.nodeId(), config.apiAddress(), raft::appliedIndex,
                raft::lastLogIndex, stateMachine::storageFailure, health::logStall, stateMachine.identity()::value,
                this::otherMembers, raft.memberChannel(), health::heard, this::foundIdentityIfDue);
        this.membership = new Membership(config.nodeId(), raft, members);
        this.reads = new ReadPolicy(raft, stateMachine, catchUp, members, this::write);
        this.proposer = raft.proposer();
        this.batcher = new WriteBatcher(
                (entry, users) -> proposer.propose(entry, users != null && leaderTakesForwardedUsers() ? users : null),
                this::entriesInFlight, config.entryTargetBytes(),
                config.maxRequestBytes(), config.database().statementBudget(), meters.writesPerEntry());
        this.writeQueue = new WriteQueue(this::write, WriteQueue.DEFAULT_CAPACITY, config.maxRequestBytes());
        this.transactions = new InteractiveTransactions(config.nodeId(), stateMachine, batcher, proposer,
                new InteractiveTransactions.Leadership() {
                    @Override
                    public boolean isReadyLeader() {
                        return isLeader() && isReady();
                    }

                    @Override
                    public long committedIndex() {
                        return raft.commitIndexOrFail();
                    }
                }, meters::aborted);
        meters.watch(this, stateMachine);
    }

    /**
     * {@link #start(NodeConfig, NodeTls, ReplicaFetcher, Consumer, MeterRegistry)} for a node that talks to its
     * members in plain text, never catches up from a copy, and whose meters nobody reads.
     */
    public static HaliteNode start(NodeConfig config, Consumer<NodeStop> onStop) throws IOException {
        return start(config, NodeTls.NONE, ReplicaFetcher.NONE, onStop, new CompositeMeterRegistry());
    }

    /**
     * Starts the node and returns once its Raft server is running (a leader may not be elected yet).
     *
     * @throws ForeignClusterException if the node has Raft state and its data belongs to another cluster than the
     *                                 members that answer (see {@link IdentityGuard})
     *
     * @param onStop called when the node cannot go on in this process; a server process should exit (non-zero) so
     *               that its supervisor starts it again
     * @param tls    how it talks to the other members: with Raft keys, every Raft connection, both ways, is mutual
     *               TLS
     * @param copies how it fetches a copy of the leader's database when the leader no longer has the log it lacks
     * @param meters the node registers its meters here (see {@link NodeMeters}), and removes them when it closes
     */
    public static HaliteNode start(NodeConfig config, NodeTls tls, ReplicaFetcher copies, Consumer<NodeStop> onStop,
                                   MeterRegistry meters) throws IOException {
        boolean existing = hasRaftState(config.dataDir());
        List<NodeConfig.Peer> peers;
        if (config.join() && !existing) {
            // No configuration: the node waits, without calling elections, until a member adds it.
            LOG.info("node {} starts outside any cluster and waits to be added", config.nodeId());
            peers = List.of();
        } else if (config.peers().isEmpty()) {
            peers = List.of(new NodeConfig.Peer(config.nodeId(), config.raftAddress()));
        } else {
            peers = config.peers();
        }
        Path databaseFile = databaseFile(config.dataDir());
        ClusterIdentity identity = ClusterIdentity.load(databaseFile);
        AtomicReference<HaliteNode> self = new AtomicReference<>();
        RaftNode raft = RaftNode.start(config, tls, peers, existing, databaseFile, identity, new RaftNode.Host() {
            @Override
            public SqliteStateMachine.Replica fetchReplica(String leaderId, Path directory) throws Exception {
                return self.get().fetchReplica(leaderId, directory);
            }

            @Override
            public byte[] answerMember(StateMachineQuery.MemberMessage message) {
                HaliteNode node = self.get();
                if (node == null) {
                    throw NodeException.unavailable("starting");
                }
                return node.members.answer(message);
            }

            @Override
            public void storageFailed(String description) {
                HaliteNode node = self.get();
                if (node == null) {
                    onStop.accept(new NodeStop(NodeStop.Reason.STORAGE, description, null));
                } else {
                    node.storageFailed(description);
                }
            }

            @Override
            public void fatal(String description, Throwable cause) {
                onStop.accept(new NodeStop(NodeStop.Reason.FATAL, description, cause));
            }
        }, (stored, probes) -> IdentityGuard.checkBeforeStart(config.nodeId(), config.dataDir(), identity, stored,
                peers, probes));
        LOG.info("node {} started: Raft on {} (reached at {}{}), data in {}", config.nodeId(),
                config.raftBindAddress(), config.raftAddress(), tls.raftOverTls() ? ", mutual TLS" : "",
                config.dataDir());
        HaliteNode node = new HaliteNode(config, copies, raft, onStop, meters);
        self.set(node);
        node.members.start();
        return node;
    }

    /** Whether {@code dataDir} holds anything of a node: Raft state or a database. */
    public static boolean holdsData(Path dataDir) {
        return hasRaftState(dataDir) || Files.exists(databaseFile(dataDir));
    }

    /** Whether {@code dataDir} holds a node's Raft state (it has been a member of a cluster). */
    public static boolean hasRaftState(Path dataDir) {
        return RaftNode.hasRaftState(dataDir);
    }

    /**
     * Deletes the state of a node that is no longer a member, so that it joins again as a new node. The database
     * goes too: a node that kept it would be sent the log after it, replay its own removal and shut down again;
     * an empty node is sent a copy of the leader's database instead.
     */
    public static void discardState(Path dataDir) throws IOException {
        deleteTree(RaftNode.groupDirectory(dataDir));
        deleteTree(databaseFile(dataDir).getParent());
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The SQLite file of the node's database. */
    public static Path databaseFile(Path dataDir) {
        return dataDir.resolve("db").resolve("main.sqlite");
    }

    public NodeConfig config() {
        return config;
    }

    public SqliteDatabase database() {
        return stateMachine.database();
    }

    /**
     * Checks, while this node leads, the users that followers name with the requests they forward (the followers
     * checked them too, against their own users, which may be out of date).
     */
    public void checkForwardedUsers(ForwardedUserCheck check) {
        stateMachine.checkForwardedUsers(check);
    }

    /** Whether another member leads and announced that it takes the user names of forwarded batches. */
    private boolean leaderTakesForwardedUsers() {
        String leader = leaderId();
        return leader != null && !leader.equals(config.nodeId())
                && members.announced(leader, MemberDirectory.FORWARDED_USERS);
    }

    /**
     * How many entries the batcher may have in flight. In a group of several members Ratis has at most
     * {@link RatisSettings#APPENDS_IN_FLIGHT_PER_FOLLOWER} AppendEntries requests out to each follower: entries
     * proposed beyond them wait for one to return anyway, and as entries of their own each costs every member a
     * log append and, unless its applier lags, a SQLite commit. Fewer, larger entries write more per second
     * (docs/benchmarks.md). A node alone has no followers to wait for and keeps the configured number.
     */
    private int entriesInFlight() {
        return raft.replicates() ? Math.min(config.maxInFlight(), RatisSettings.APPENDS_IN_FLIGHT_PER_FOLLOWER)
                : config.maxInFlight();
    }

    /** Interactive transactions, which run on the leader. */
    public InteractiveTransactions transactions() {
        return transactions;
    }

    /** rqlite's queued writes: accepted at once, applied in the background in batches. */
    public WriteQueue writeQueue() {
        return writeQueue;
    }

    /** Queues a write that names no user; it is answered once committed by a quorum and applied here. */
    public CompletableFuture<WriteOutcome> write(SqlRequest request) {
        return write(request, "");
    }

    /**
     * Queues a write for {@code user} (as authenticated here, who may make it here); it is answered once committed
     * by a quorum and applied here. A follower passes the name to a leader that takes it, which checks it too.
     */
    public CompletableFuture<WriteOutcome> write(SqlRequest request, String user) {
        try {
            List<StatementResult> refused = database().refuseOverBudget(request);
            if (refused != null) {
                return CompletableFuture.completedFuture(new WriteOutcome(refused, 0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return batcher.submit(request, user);
    }

    /**
     * Result of a read: its statements' results and, for strong reads, the log index that carried it; or, for a
     * read this node's data is not current enough for, why not ({@code staleRefusal}, null for a read that ran).
     */
    public record ReadOutcome(List<StatementResult> results, long raftIndex, String staleRefusal) {
        public ReadOutcome(List<StatementResult> results, long raftIndex) {
            this(results, raftIndex, null);
        }

        static ReadOutcome refused(String why) {
            return new ReadOutcome(List.of(), 0, why);
        }
    }

    /**
     * Runs a read as {@code read} asks (see {@link ReadRequest}): waits for its {@code min_index}, then reads at
     * its level. A read at level none that this node's data is not current enough for is not run: the outcome says
     * why ({@link ReadOutcome#staleRefusal()}), as rqlite answers it.
     *
     * @throws NodeException {@code UNAVAILABLE} if this node is no longer a member, its Raft server stopped, the
     *                       read could not reach the leader, or {@code min_index} was not applied within
     *                       {@code timeout}
     */
    public ReadOutcome read(SqlRequest request, ReadRequest read, Duration timeout) throws InterruptedException {
        return reads.read(request, read, timeout);
    }

    /** Waits until this node has applied (and made visible) the log up to {@code index}. */
    public boolean awaitApplied(long index, Duration timeout) throws InterruptedException {
        return stateMachine.awaitApplied(index, timeout.toMillis());
    }

    /**
     * Waits until this node has applied the log up to a client's {@code min_index} (0 waits for nothing): a
     * request that names it sees at least the database that index left.
     *
     * @throws NodeException {@code UNAVAILABLE} if it has not within {@code timeout}, or at once if this node leads
     *                       and its log ends before that index
     */
    public void requireApplied(long minIndex, Duration timeout) throws InterruptedException {
        reads.requireApplied(minIndex, timeout);
    }

    /**
     * Whether the statement must go through the log: it would change the database, as SQLite judges it, or it does
     * not compile on this follower, whose schema may lag the leader's (a table just created through another node);
     * the leader then judges it.
     */
    public boolean isWrite(SqlStatement statement) {
        Boolean writes = database().isWrite(statement.sql());
        return writes == null ? !isLeader() : writes;
    }

    /**
     * Replaces the database on every replica with the SQLite image read from {@code image}, shipped through the log
     * in chunks. Returns the log index at which the new content took effect.
     */
    public WriteOutcome load(InputStream image, Duration timeout) throws IOException, InterruptedException {
        long loadId = ThreadLocalRandom.current().nextLong();
        int chunkBytes = (int) Math.min(LOAD_CHUNK_BYTES, config.maxRequestBytes() / 2);
        byte[] current = image.readNBytes(chunkBytes);
        int sequence = 0;
        while (true) {
            byte[] next = image.readNBytes(chunkBytes);
            boolean last = next.length == 0;
            LogEntry entry = new LogEntry.LoadChunk(System.currentTimeMillis(), 0, loadId, sequence++, last, current);
            Proposer.Committed committed = await(proposer.propose(entry), timeout);
            if (last) {
                return new WriteOutcome(committed.results().get(0), committed.logIndex());
            }
            current = next;
        }
    }

    /**
     * A consistent copy of the database in a temporary file (deleted when the copy is closed), and the log position
     * it holds: what a follower catching up from a copy fetches (see {@link ReplicaFetcher}), with the cluster's
     * identity read after the copy was taken.
     */
    public SqliteDatabase.Copy copy() throws IOException {
        try {
            return database().copyInto(config.dataDir());
        } catch (SQLException e) {
            throw new IOException("backup failed: " + e.getMessage(), e);
        }
    }

    /**
     * The identity of the cluster this node's data belongs to (see {@link ClusterIdentity}), empty if none yet.
     * Read after a copy is taken, it holds for the copy: it is recorded when the founding entry is applied, before
     * that entry is committed to the database.
     */
    public String clusterIdentity() {
        return stateMachine.identity().value();
    }

    /**
     * What a member says of itself: how clients reach it, how far it has applied the log, why it cannot write its
     * storage, how its log stopped receiving entries (each empty if not so), where its log ends (-1 if it did
     * not say), and the identity of the cluster its data belongs to (empty if none yet; null from a member of the
     * previous version, which does not say).
     */
    public record MemberInfo(String apiAddress, long appliedIndex, String storageFailure, String logStall,
                             long lastLogIndex, String clusterIdentity) {}

    /** What a member says of itself (recently, or asked now); null if it does not answer within {@code timeout}. */
    public CompletableFuture<MemberInfo> memberInfo(String memberId, Duration timeout) {
        return members.info(memberId, timeout);
    }

    /** The API address of a member: known, or asked of it; empty if it does not answer within {@code timeout}. */
    public String apiAddressOf(String memberId, Duration timeout) throws InterruptedException {
        return members.apiAddressOf(memberId, timeout);
    }

    /** The API address this node last heard for a member, without asking it; empty if none. */
    public String knownApiAddress(String memberId) {
        return members.knownApiAddress(memberId);
    }

    /** A cluster member as another member describes it: how a joining node learns whom to talk to. */
    public record KnownMember(String id, String raftAddress, String apiAddress) {}

    /** Tells a node that is joining a cluster who its members are, before its own configuration arrives. */
    public void learnMembers(List<KnownMember> members) {
        membership.learn(members);
    }

    /** What {@link #addMember} did. */
    public enum MembershipChange { ADDED, ALREADY_MEMBER }

    /**
     * Adds a node to the cluster (as a voter, or as a non-voting member that receives the log), and returns once
     * the new configuration is committed. The leader first brings the new node up to date (with a copy of its
     * database), so this may take as long as copying it. Asking again for a node that is already a member the same
     * way changes nothing.
     *
     * @throws NodeException {@code MEMBERSHIP_CONFLICT} if the id is a member with another address or role,
     *                       {@code UNAVAILABLE} if not done in time
     */
    public MembershipChange addMember(String id, String raftAddress, boolean voter, Duration timeout)
            throws InterruptedException {
        return membership.add(id, raftAddress, voter, timeout);
    }

    /**
     * Removes a member from the cluster and returns once the new configuration is committed. A removed node
     * stops taking part: its Raft server shuts down when it learns of the removal.
     *
     * @throws NodeException {@code NO_SUCH_MEMBER}, or {@code LAST_VOTER} for the last voting member
     */
    public void removeMember(String id, Duration timeout) throws InterruptedException {
        membership.remove(id, timeout);
    }

    /** A consistent copy of a member's database, fetched into a file in {@code directory}. */
    private SqliteStateMachine.Replica fetchReplica(String memberId, Path directory) throws Exception {
        String api = apiAddressOf(memberId, Duration.ofSeconds(10));
        if (api.isEmpty()) {
            throw new IOException("member " + memberId + " did not tell its API address");
        }
        return copies.fetch(api, directory);
    }

    /** A committed log entry for the database, as stored in the log: what a backup ships. */
    public record CommittedEntry(long index, long term, byte[] data) {}

    /** The log no longer holds an entry that was asked for: it was purged after the database made it durable. */
    public static final class LogPurgedException extends Exception {
        public LogPurgedException(long index, long start) {
            super("the log no longer holds index " + index + " (it starts at " + start + ")");
        }
    }

    /**
     * Applied database entries from index {@code from} on, in order, up to about {@code maxBytes} (at least one if
     * any is applied). Configuration and other Raft-internal entries are skipped.
     */
    public List<CommittedEntry> appliedEntries(long from, long maxBytes) throws IOException, LogPurgedException {
        return raft.appliedEntries(from, maxBytes);
    }

    /** The term of the entry at {@code index} if this node still knows it (in its log or as its snapshot), else -1. */
    public long termAt(long index) throws IOException {
        return raft.termAt(index);
    }

    /** Holds back client replies on this node until the gate releases them (see {@link SqliteStateMachine.ReplyGate}). */
    public void setReplyGate(SqliteStateMachine.ReplyGate gate) {
        stateMachine.setReplyGate(gate);
    }

    /**
     * Asks log purging to keep the entries from {@code neededFrom} on, unless that would hold back more than half
     * the entries between durable points ({@code --snapshot-entries}).
     */
    public void setLogNeededFrom(LongSupplier neededFrom) {
        stateMachine.setLogNeededFrom(neededFrom, Math.max(1, config.snapshotEvery() / 2));
    }

    /** The current leader's id, or null if none is known. */
    public String leaderId() {
        return raft.leaderId();
    }

    /** Waits until a leader is known; returns whether one was within the timeout. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isReady()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** This node's current Raft term (0 if its division is not running). */
    public long currentTerm() {
        return raft.currentTerm();
    }

    public boolean isLeader() {
        return raft.isLeader();
    }

    /** Whether this node is a member (a joining node is not, until added), knows a leader, and can serve. */
    public boolean isReady() {
        return raft.isReady();
    }

    /**
     * Gets this node ready to stop. From now on it reports itself not ready ("shutting down"), so that load
     * balancers stop sending it requests; a leader hands leadership to the voter holding the most of the log, so
     * that the others need not wait out an election timeout to notice it went. Requests in flight go on: writes the
     * leader still receives are sent on to the new leader by Ratis's clients, with the same call ids.
     *
     * @param handOverTimeout how long the successor may take to catch up and be elected
     */
    public void prepareToStop(Duration handOverTimeout) {
        stopping = true;
        membership.handOverBeforeStop(handOverTimeout);
    }

    /**
     * Hands leadership to the voter holding the most of the log (as {@link #prepareToStop} does, without stopping)
     * and returns the id of the leader elected then.
     *
     * @param timeout how long the successor may take to catch up and be elected
     * @throws NodeException {@code NOT_LEADER}, {@code UNAVAILABLE} if the hand-over failed, or
     *                       {@code MEMBERSHIP_CONFLICT} if no other member can lead (a single node, or only non-voting
     *                       members besides this one)
     */
    public String stepDown(Duration timeout) throws InterruptedException {
        return membership.stepDown(timeout);
    }

    /** Whether this node can serve, and if not, why; see {@link Health}. */
    public Health health() {
        if (stopping) {
            return new Health(Health.State.SHUTTING_DOWN, "shutting down");
        }
        String failure = stateMachine.storageFailure();
        if (failure != null) {
            return new Health(Health.State.STORAGE_FAILED, "cannot write its storage: " + failure);
        }
        String notRunning = raft.whyNotRunning();
        if (notRunning != null) {
            return new Health(Health.State.STOPPED, notRunning);
        }
        if (!isReady()) {
            return new Health(Health.State.NO_LEADER, "no leader is known");
        }
        String lag = reads.storageOrLagProblem();
        return lag == null ? new Health(Health.State.OK, "") : new Health(Health.State.CATCHING_UP, lag);
    }

    /** See {@link IdentityGuard#foundIfDue}: the founding entry is an empty batch, which every version applies. */
    private void foundIdentityIfDue() {
        identityGuard.foundIfDue(isLeader() && isReady(), otherMembers(), members::heardRecently, () -> {
            LogEntry founding = new LogEntry.Batch(System.currentTimeMillis(), ThreadLocalRandom.current().nextLong(),
                    config.database().statementBudget(), List.of());
            proposer.propose(founding).whenComplete((committed, error) -> {
                if (error != null) {
                    LOG.warn("the entry founding the cluster identity was not confirmed ({}); proposed again later "
                            + "if it was not applied", Proposer.notConfirmed(error).getMessage());
                }
            });
        });
    }

    /**
     * This node's log or database cannot be written. A leader stops at once so that a member that can write leads.
     * A follower stops its Raft server but keeps answering (not ready, refusing reads of its data, telling the
     * others why) until its storage takes writes again, then stops for a restart: Ratis's log stays failed for the
     * life of the process.
     */
    private void storageFailed(String description) {
        if (isLeader()) {
            onStop.accept(new NodeStop(NodeStop.Reason.STORAGE, "this leader cannot write its storage ("
                    + description + "); stopping so that another member leads", null));
            return;
        }
        Thread watcher = new Thread(() -> {
            // A follower whose log failed still takes every append the leader sends and fails it, holding memory
            // for each (seen: OutOfMemoryError within a minute): leave the group until the restart.
            stateMachine.expectStop();
            try {
                raft.stopServer();
            } catch (IOException | RuntimeException e) {
                LOG.warn("stopping the Raft server after the storage failure: {}", e.toString());
            }
            try {
                StorageProbe probe = new StorageProbe(config.dataDir(), RatisSettings.segmentBytes(config));
                String last = "";
                while (true) {
                    String problem = probe.problem();
                    if (problem == null) {
                        break;
                    }
                    if (!problem.equals(last)) {
                        LOG.error("storage still cannot be written: {}; waiting for it (this node is not ready)", problem);
                        last = problem;
                    }
                    Thread.sleep(1000);
                }
                onStop.accept(new NodeStop(NodeStop.Reason.STORAGE, "the storage takes writes again after: "
                        + description + "; stopping so that a restart resumes the log", null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "halite-storage-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    public NodeStatus status() {
        try {
            RaftNode.State raftState = raft.state();
            return new NodeStatus(config.nodeId(), config.raftAddress(), raftState.role().label(),
                    raftState.leaderId(), raftState.term(), raftState.commitIndex(), database().appliedIndex(),
                    raftState.lastLogIndex(), raftState.snapshotIndex(),
                    database().file().toAbsolutePath().toString(), database().sizeOnDisk(),
                    database().sqliteVersion(), startedAt, raftState.members(), clusterIdentity());
        } catch (IOException e) {
            if (stateMachine.storageFailure() == null) {
                throw NodeException.unavailable(e.getMessage());
            }
            // Its Raft server stopped after the storage failed: what the database says, until the restart.
            return new NodeStatus(config.nodeId(), config.raftAddress(), "Stopped", "", 0, 0,
                    database().appliedIndex(), 0, 0, database().file().toAbsolutePath().toString(),
                    database().sizeOnDisk(), "", startedAt, List.of(), clusterIdentity());
        }
    }

    long commitIndex() {
        return raft.commitIndex();
    }

    long appliedIndex() {
        return raft.appliedIndex();
    }

    /** The other members as last seen in the configuration (still told after this node's Raft server stopped). */
    private volatile List<String> lastOtherMembers = List.of();

    private List<String> otherMembers() {
        try {
            lastOtherMembers = raft.members().stream()
                    .map(NodeStatus.Member::id)
                    .filter(id -> !id.equals(config.nodeId()))
                    .toList();
        } catch (IOException e) {
            // stopped: keep telling those it knew
        }
        return lastOtherMembers;
    }

    /** Waits for {@code future}, turning its failure into the {@link NodeException} a client is answered with. */
    static <T> T await(CompletableFuture<T> future, Duration timeout) throws InterruptedException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NodeException n) {
                throw n;
            }
            if (e.getCause() instanceof Proposer.NotConfirmed n) {
                throw (n.refused() ? NodeException.unavailable("not committed: " + n.getMessage())
                        : Proposer.NotConfirmed.outcomeUnknown("", n.getMessage()));
            }
            throw NodeException.unavailable("request failed: " + RaftFailures.explain(e.getCause()));
        } catch (TimeoutException e) {
            throw NodeException.outcomeUnknown("timed out after " + timeout.toMillis() + " ms; the outcome is unknown");
        }
    }

    /**
     * Stops the statements running now (a long read, or an entry being applied) instead of waiting for them, as the
     * node is about to stop: see {@link SqliteStateMachine#stopApplying()}. {@link #close()} does it too.
     */
    public void stopStatements() {
        stateMachine.stopApplying();
    }

    @Override
    public void close() throws IOException {
        stateMachine.expectStop();
        try {
            writeQueue.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stateMachine.stopApplying();
        transactions.close();
        try {
            batcher.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        members.close();
        meters.close();
        raft.close();
        LOG.info("node {} stopped", config.nodeId());
    }
}
