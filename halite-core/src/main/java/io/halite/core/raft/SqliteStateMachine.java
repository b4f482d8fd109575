package io.halite.core.raft;

import io.halite.core.engine.ClusterIdentity;
import io.halite.core.engine.NodeFailureException;
import io.halite.core.engine.LogPosition;
import io.halite.core.engine.NodeStoppingException;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.log.EntryApplier;
import io.halite.core.log.EntryCodec;
import io.halite.core.log.LogEntry;
import io.halite.core.node.ForwardedUserCheck;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.StatementResult;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed log entries to the node's SQLite database, in log order, on Ratis's apply thread.
 *
 * <p>While Ratis has more committed entries waiting, consecutive entries share one SQLite transaction; the
 * transaction commits (and the entries' clients are answered) when the applier has caught up or a group is full.
 * A "snapshot" here does not copy the database: it makes the applied entries durable in the SQLite file and
 * reports that index, so Ratis may purge the log up to it.
 */
public final class SqliteStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteStateMachine.class);
    private static final int MAX_ENTRIES_PER_TRANSACTION = 256;
    /** How long a read forwarded by a follower may run here (its own timeout does not travel with it). */
    private static final java.time.Duration FORWARDED_READ_TIMEOUT = java.time.Duration.ofSeconds(30);
    /**
     * Ratis holds each entry of an open group (its TransactionContext) until the group commits and its reply
     * completes: bounding the group's bytes bounds that memory, whatever the entries' size.
     */
    private static final long MAX_BYTES_PER_TRANSACTION = 8L << 20;
    /** How long after an unexpected stop of the Raft server a removal notice may still arrive (Ratis sends it after). */
    private static final long REMOVAL_NOTICE_GRACE_MILLIS = 2000;

    private final Path databaseFile;
    private final ClusterIdentity identity;
    private final Host host;
    private final SqliteDatabase.Options options;
    private final List<PendingReply> awaitingCommit = new ArrayList<>();
    private long awaitingCommitBytes;
    private final Object appliedSignal = new Object();
    /** True while a copy of the leader's database is fetched and swapped in: the log does not grow meanwhile. */
    private volatile boolean installingCopy;
    private final java.util.concurrent.ExecutorService installer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "halite-replica-install");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-apply-flusher");
        t.setDaemon(true);
        return t;
    });
    private volatile SqliteDatabase database;
    private volatile ReplyGate replyGate = index -> null;
    private volatile java.util.function.LongSupplier neededFrom = () -> Long.MAX_VALUE;
    private volatile long maxHoldBack;
    private volatile TermIndex snapshot;
    private RaftServer.Division division;
    /** Rounds confirming that this node still leads, shared by the linearizable reads that wait for them. */
    private SharedRounds<Void> leadershipRounds;
    /** The last entry applied but not yet committed to SQLite, if any. */
    private TermIndex uncommitted;
    /**
     * The leader's chain of interactive transactions, if any. It holds the writer connection between its uses (each
     * on this object's monitor); applying an entry, installing a copy and making a durable point suspend it first.
     */
    private SqliteDatabase.Speculation speculation;
    private final List<Runnable> leaderChangeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.LongAdder leaderChangesSeen = new java.util.concurrent.atomic.LongAdder();
    /** Why this node can no longer write its log or database; once set, no entry is applied in this process. */
    private volatile String storageFailure;
    private volatile boolean stopExpected;
    /** The node is shutting down: nothing more is applied or committed in this process. */
    private volatile boolean applyingStopped;
    private volatile boolean removed;
    /** This node's verdict on users named by forwarded batches; null without users (members are trusted). */
    private volatile ForwardedUserCheck forwardedUserCheck;

    /** What the state machine needs from the node around it. */
    public interface Host {
        /** Fetches a consistent copy of the leader's database into a file in {@code directory}. */
        Replica fetchReplica(String leaderId, Path directory) throws Exception;

        /** Answers a message between members. */
        Message answerMember(StateMachineQuery.MemberMessage message);

        /** Sends a message to another member; the future holds its answer, or null if it refused the message. */
        CompletableFuture<byte[]> askMember(String memberId, byte[] message);

        /**
         * The Raft log or the database can no longer be written (disk full, I/O error): nothing more is applied in
         * this process. Called once.
         */
        void storageFailed(String description);

        /** The state machine cannot go on in this process (an error while applying, the Raft server stopped). */
        void fatal(String description, Throwable cause);
    }

    /**
     * A copy of another member's database, in a file, the log position it holds, and the identity of the cluster it
     * belongs to (empty if that member has none yet).
     */
    public record Replica(Path file, SqliteDatabase.ImageState state, String clusterIdentity) {}

    /**
     * Holds back the reply to a client until something beyond the Raft commit has happened to its entry (a
     * synchronous backup has stored it).
     */
    @FunctionalInterface
    public interface ReplyGate {
        /** @return a future completing when the reply for {@code index} may go, or null if it may go now */
        CompletableFuture<Void> awaitRelease(long index);
    }

    public SqliteStateMachine(Path databaseFile, SqliteDatabase.Options options, ClusterIdentity identity,
                              Host host) {
        this.databaseFile = databaseFile;
        this.host = host;
        this.options = options;
        this.identity = identity;
    }

    /** The identity of the cluster this database belongs to (see {@link ClusterIdentity}). */
    public ClusterIdentity identity() {
        return identity;
    }

    /** Why this node's log or database cannot be written, or null if they can. */
    public String storageFailure() {
        return storageFailure;
    }

    /** Whether a copy of the leader's database is being fetched or installed now. */
    public boolean installingCopy() {
        return installingCopy;
    }

    /** Whether Ratis shut this node's part of the group down because the node was removed from it. */
    public boolean wasRemoved() {
        return removed;
    }

    /** The node is stopping on purpose: the Raft server closing is no failure. */
    public void expectStop() {
        stopExpected = true;
        synchronized (this) {
            notifyAll(); // an apply thread parked after a storage failure (awaitStop) goes on to its end
        }
    }

    /**
     * The node is shutting down: a statement running on the writer (or a read) is stopped now rather than when it
     * ends, which its budget allows to be many seconds. Entries applied since the last commit are rolled back and
     * applied again from the log at the next start.
     */
    public void stopApplying() {
        SqliteDatabase db = database;
        if (db != null) {
            db.stopStatements();
        }
    }

    public SqliteDatabase database() {
        return database;
    }

    public void setReplyGate(ReplyGate gate) {
        this.replyGate = gate;
    }

    /**
     * Keeps the log from index {@code neededFrom} on (a backup that has not shipped it yet) when purging, as long
     * as that holds back fewer than {@code maxHoldBack} entries; beyond that the log is purged anyway (whoever
     * needed it copes without it).
     */
    public void setLogNeededFrom(java.util.function.LongSupplier neededFrom, long maxHoldBack) {
        this.neededFrom = neededFrom;
        this.maxHoldBack = maxHoldBack;
    }

    /**
     * {@code listener} is called (on a Ratis thread, so it must not block) whenever this node learns of a new
     * leader, itself included.
     */
    public void addLeaderChangeListener(Runnable listener) {
        leaderChangeListeners.add(listener);
    }

    /** How many times this node learned of a new leader since it started (losing one is not counted). */
    public long leaderChangesSeen() {
        return leaderChangesSeen.sum();
    }

    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        super.notifyLeaderChanged(groupMemberId, newLeaderId);
        if (newLeaderId != null) {
            leaderChangesSeen.increment();
        }
        leaderChangeListeners.forEach(Runnable::run);
    }

    /**
     * Starts the chain of interactive transactions on the writer connection (see {@link SqliteDatabase#speculate})
     * once the applied entries are committed. Until {@link #endSpeculation} the chain holds the writer between its
     * uses: whatever else needs the writer suspends it first, and each applied entry is reported to it.
     */
    public synchronized SqliteDatabase.Speculation beginSpeculation() throws SQLException {
        if (speculation != null) {
            throw new IllegalStateException("a chain of interactive transactions holds the writer already");
        }
        commit();
        speculation = database.speculate();
        return speculation;
    }

    /** Work on the chain of interactive transactions, done with the writer. */
    public interface SpeculationWork<T> {
        T run(SqliteDatabase.Speculation chain) throws SQLException, SqliteDatabase.SpeculationLost;
    }

    /**
     * Does {@code work} on the chain of interactive transactions, after committing the entries applied since its
     * last use (the chain replays its transactions on top of them).
     */
    public synchronized <T> T withSpeculation(SqliteDatabase.Speculation holder, SpeculationWork<T> work)
            throws SQLException, SqliteDatabase.SpeculationLost {
        if (speculation != holder) {
            throw new IllegalStateException("the chain of transactions no longer holds the writer");
        }
        commit();
        return work.run(holder);
    }

    /** Undoes the chain's work and gives the writer back to the applier for good. */
    public synchronized void endSpeculation(SqliteDatabase.Speculation holder) throws SQLException {
        if (speculation != holder) {
            return;
        }
        speculation = null;
        holder.end();
    }

    /** Takes the writer back from the chain of interactive transactions, if one holds it. */
    private void suspendSpeculation() throws SQLException {
        if (speculation != null) {
            speculation.suspend();
        }
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        try {
            database = SqliteDatabase.open(databaseFile, options);
        } catch (SQLException e) {
            throw new IOException("cannot open database " + databaseFile, e);
        }
        // Ratis replays the log after the durable point; entries the database holds already are skipped (and tell
        // it the term of its last one, if it lost track of it in a crash).
        LogPosition.Point durable = database.durable();
        TermIndex start = TermIndex.valueOf(durable.term(), durable.index());
        raiseTermTo(storage, Math.max(durable.term(), database.appliedTerm()));
        snapshot = start;
        updateLastAppliedTermIndex(start);
        division = server.getDivision(groupId);
        long answerTimeout = RaftServerConfigKeys.Rpc.requestTimeout(server.getProperties()).toLong(TimeUnit.MILLISECONDS);
        leadershipRounds = new SharedRounds<>(new LeadershipCheck(division, host::askMember, answerTimeout)::round);
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
        LOG.info("database {} holds the log up to index {} (durable up to {})", databaseFile, database.appliedIndex(),
                durable.index());
    }

    /**
     * A database restored from a backup holds entries of an earlier term while the new Raft storage starts at term
     * 0. Terms must never go backwards, or a node with fewer entries of that earlier term would look more up to
     * date than one holding newer entries of a lower term, and could win an election over it.
     */
    private static void raiseTermTo(RaftStorage storage, long term) throws IOException {
        var file = storage.getMetadataFile();
        RaftStorageMetadata current = file.getMetadata();
        if (current.getTerm() < term) {
            file.persist(RaftStorageMetadata.valueOf(term, current.getVotedFor()));
            LOG.info("Raft term raised to {}, the term of the last entry in the database", term);
        }
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        TermIndex at = snapshot;
        if (at == null || at.getIndex() <= 0) {
            return null;
        }
        return new SnapshotInfo() {
            @Override
            public TermIndex getTermIndex() {
                return at;
            }

            @Override
            public List<FileInfo> getFiles() {
                return List.of();
            }
        };
    }

    /** Checks, from now on, the users that forwarded batches name (see {@link ForwardedUserGate}). */
    public void checkForwardedUsers(ForwardedUserCheck check) {
        this.forwardedUserCheck = check;
    }

    /**
     * On the leader, before the entry is logged: takes off the user names a follower sent after its batch (the log
     * holds the bare entry) and leaves out the requests this node's users refuse.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext.Builder context = TransactionContext.newBuilder().setStateMachine(this)
                .setClientRequest(request);
        try {
            ForwardedUserGate.Opened opened = ForwardedUserGate.open(request.getMessage().getContent(),
                    forwardedUserCheck);
            return context.setLogData(opened.logData()).setStateMachineContext(opened.users() == null ? null : opened)
                    .build();
        } catch (IllegalArgumentException e) {
            LOG.warn("refused a forwarded batch: {}", e.getMessage());
            TransactionContext refused = context.build();
            refused.setException(e);
            return refused;
        }
    }

    /**
     * For an entry this node did not propose (each entry a follower appends, and those a new leader inherits). Ratis
     * keeps this context from the append until the entry is applied, so a context holding the entry's data kept
     * every appended, unapplied entry on the heap however small the log's cache: a follower catching up appends
     * faster than it applies, and one with a 128 MB heap replaying a load ran out of memory in CI. This context
     * holds the entry without its data; {@link #applyTransaction} reads the data back from the log.
     */
    @Override
    public TransactionContext startTransaction(LogEntryProto entry, RaftPeerRole role) {
        LogEntryProto withoutData = entry.toBuilder()
                .setStateMachineLogEntry(entry.getStateMachineLogEntry().toBuilder().clearLogData())
                .build();
        return TransactionContext.newBuilder().setStateMachine(this).setServerRole(role).setLogEntry(withoutData)
                .build();
    }

    /** The entry's data: in the context of an entry this node proposed, read back from the log for any other. */
    private ByteString logData(TransactionContext trx) throws RaftLogIOException {
        LogEntryProto proto = trx.getLogEntry();
        if (trx.getClientRequest() != null) {
            return proto.getStateMachineLogEntry().getLogData();
        }
        LogEntryProto logged = division.getRaftLog().get(proto.getIndex());
        if (logged == null) {
            throw new RaftLogIOException("the log no longer holds entry " + proto.getIndex() + ", which is not applied");
        }
        return logged.getStateMachineLogEntry().getLogData();
    }

    @Override
    public synchronized CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto proto = trx.getLogEntry();
        long index = proto.getIndex();
        long term = proto.getTerm();
        CompletableFuture<Message> reply = new CompletableFuture<>();
        try {
            suspendSpeculation();
            if (storageFailure != null) {
                // Applying after a failed write would skip it; a new process replays from the database.
                awaitStop();
                reply.completeExceptionally(new IOException("this node cannot write its storage: " + storageFailure));
                return reply;
            }
            if (applyingStopped) {
                reply.completeExceptionally(new NodeStoppingException());
                return reply;
            }
            if (index <= database.appliedIndex()) {
                // Already in the database file: a restart replays the log from the last durable point.
                database.learnTerm(index, term);
                reply.complete(Message.EMPTY);
                return reply;
            }
            ByteString data = logData(trx);
            LogEntry entry = EntryCodec.decode(data.newInput());
            if (entry instanceof LogEntry.Batch batch && batch.requests().isEmpty()
                    && identity.adoptIfUnknown(ClusterIdentity.foundedBy(index, term, data.toByteArray()))) {
                LOG.info("this cluster's identity is {}, founded by the entry at index {}", identity.value(), index);
            }
            List<List<StatementResult>> results = EntryApplier.apply(database, index, term, entry);
            if (speculation != null) {
                speculation.applied(index, entry instanceof LogEntry.Requests requests && !results.isEmpty()
                        ? requests : null);
            }
            if (trx.getStateMachineContext() instanceof ForwardedUserGate.Opened forwarded) {
                ForwardedUserGate.logFailures(forwarded.users(), results);
            }
            awaitingCommit.add(new PendingReply(index, reply, results));
            awaitingCommitBytes += data.size();
            uncommitted = TermIndex.valueOf(term, index);
            boolean caughtUp = division.getRaftLog().getLastCommittedIndex() <= index;
            if (caughtUp || awaitingCommit.size() >= MAX_ENTRIES_PER_TRANSACTION
                    || awaitingCommitBytes >= MAX_BYTES_PER_TRANSACTION) {
                commit();
            } else {
                // More entries are committed, but some may not reach applyTransaction (configuration and
                // metadata entries): make sure this group commits even if no further entry is applied soon.
                TermIndex pending = uncommitted;
                flusher.schedule(() -> commitIfStill(pending), 2, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            // The node is shutting down; the entry is applied again from the log at the next start.
            Thread.currentThread().interrupt();
            reply.completeExceptionally(e);
        } catch (NodeStoppingException e) {
            abandonAppliedGroup(e);
            reply.completeExceptionally(e);
        } catch (Throwable e) {
            reply.completeExceptionally(e);
            failed("apply log entry " + index, e);
            if (storageFailure != null) {
                try {
                    awaitStop();
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return reply;
    }

    /**
     * A write failed: if the storage refused it, the node stops applying and waits to be restarted (a new process
     * replays from what the database holds); any other error ends the process, as applying on would make this
     * replica differ from the others.
     */
    private void failed(String what, Throwable e) {
        if (NodeFailureException.isStorageFailure(e)) {
            if (storageFailure == null) {
                storageFailure = "cannot " + what + ": " + rootMessage(e);
                LOG.error("storage failure: {}; this node applies nothing more until it is restarted", storageFailure, e);
                host.storageFailed(storageFailure);
            }
        } else {
            LOG.error("cannot {}; this node stops to avoid diverging from its peers", what, e);
            host.fatal("cannot " + what, e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * Parks the apply thread, releasing the monitor, until the node stops. Ratis, when it closes, lets the apply
     * thread run up to the last committed entry without interrupting it: each entry then returns at once.
     */
    private void awaitStop() throws InterruptedException {
        while (!stopExpected) {
            wait();
        }
    }

    /** Ratis could not write its log (disk full, I/O error); its log stays failed for the rest of this process. */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        String what = failedEntry == null ? "write the Raft log" : "write the Raft log at index " + failedEntry.getIndex();
        if (NodeFailureException.isStorageFailure(cause)) {
            failed(what, cause);
        } else {
            failed(what, new java.io.IOException(rootMessage(cause), cause));
        }
    }

    private void release(long index, CompletableFuture<Message> reply, List<List<StatementResult>> results) {
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(EntryCodec.encodeResults(results)));
        CompletableFuture<Void> gate = replyGate.awaitRelease(index);
        if (gate == null) {
            reply.complete(message);
        } else {
            gate.whenComplete((ok, failure) -> {
                if (failure == null) {
                    reply.complete(message);
                } else {
                    reply.completeExceptionally(failure);
                }
            });
        }
    }

    private synchronized void commitIfStill(TermIndex pending) {
        if (pending.equals(uncommitted) && storageFailure == null) {
            try {
                commit();
            } catch (Throwable e) {
                failed("commit applied entries", e);
            }
        }
    }

    /** Called for log entries that are not transactions (configuration, metadata): close the open group. */
    @Override
    public synchronized void notifyTermIndexUpdated(long term, long index) {
        try {
            suspendSpeculation();
            if (storageFailure == null) {
                commit();
            }
        } catch (Throwable e) {
            failed("commit applied entries", e);
        }
        super.notifyTermIndexUpdated(term, index);
    }

    /**
     * The database rolled back the open group as the node stops: its entries are committed in the log and applied
     * at the next start, so their clients learn only that the outcome is not known yet.
     */
    private void abandonAppliedGroup(NodeStoppingException stop) {
        applyingStopped = true;
        uncommitted = null;
        awaitingCommit.forEach(pending -> pending.reply().completeExceptionally(stop));
        awaitingCommit.clear();
        awaitingCommitBytes = 0;
    }

    /** An applied entry whose client is answered once its group commits. */
    private record PendingReply(long index, CompletableFuture<Message> reply, List<List<StatementResult>> results) {}

    private void commit() throws SQLException {
        if (uncommitted == null) {
            return;
        }
        database.commit();
        updateLastAppliedTermIndex(uncommitted);
        uncommitted = null;
        awaitingCommit.forEach(pending -> release(pending.index(), pending.reply(), pending.results()));
        awaitingCommit.clear();
        awaitingCommitBytes = 0;
        synchronized (appliedSignal) {
            appliedSignal.notifyAll();
        }
    }

    /**
     * Waits until entries up to {@code index} are applied and visible to readers on this node.
     *
     * @return whether that happened within the timeout
     */
    public boolean awaitApplied(long index, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (appliedSignal) {
            while (getLastAppliedTermIndex().getIndex() < index) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                appliedSignal.wait(left);
            }
            return true;
        }
    }

    /**
     * Answers queries sent through Ratis (see {@link StateMachineQuery}): a ReadIndex probe with the applied index
     * once a round begun now has confirmed that this node still leads ({@link LeadershipCheck}; when Ratis calls
     * this, every entry up to the read index has been applied here, and the asking node waits until it has applied
     * as much, then reads locally), a leadership check with this member's term and leader, another member message
     * through the {@link Host}, and a read forwarded by a follower on the leader's read connections.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            StateMachineQuery query = StateMachineQuery.decode(request.getContent());
            if (query instanceof StateMachineQuery.ReadIndexProbe) {
                long applied = division.getInfo().getLastAppliedIndex();
                return leadershipRounds.next().thenApply(confirmed -> Message.valueOf(Long.toString(applied)));
            }
            if (query instanceof StateMachineQuery.MemberMessage message) {
                return CompletableFuture.completedFuture(message.kind() == StateMachineQuery.MemberKind.LEADER_CHECK
                        ? LeadershipCheck.answer(division) : host.answerMember(message));
            }
            SqlRequest read = ((StateMachineQuery.ForwardedRead) query).request();
            List<StatementResult> results = database.query(read, FORWARDED_READ_TIMEOUT);
            return CompletableFuture.completedFuture(
                    Message.valueOf(UnsafeByteOperations.unsafeWrap(EntryCodec.encodeResults(List.of(results)))));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The leader has purged log entries this follower still needs: replace the database with a copy of the
     * leader's, and tell Ratis which index it holds so that replication resumes after it.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfo,
                                                                        TermIndex firstTermIndexInLog) {
        String leader = RaftPeerId.valueOf(roleInfo.getFollowerInfo().getLeaderInfo().getId().getId()).toString();
        return CompletableFuture.supplyAsync(() -> {
            Path copy = null;
            installingCopy = true;
            try {
                LOG.info("fetching a copy of the leader {}'s database: this node is new, or the leader no longer has "
                        + "the log from index {}", leader, getLastAppliedTermIndex().getIndex() + 1);
                Replica replica = host.fetchReplica(leader, databaseFile.getParent());
                copy = replica.file();
                SqliteDatabase.ImageState state = replica.state();
                if (state.midLoad()) {
                    // The chunks staged before the copy was taken exist only on the leader.
                    throw new IOException("the copy was taken in the middle of a load; it is fetched again later");
                }
                if (state.appliedIndex() <= 0) {
                    // The leader has applied nothing, so it still has its whole log: none of it to copy.
                    LOG.info("the leader's database is empty; this node replays the log instead");
                    return null;
                }
                synchronized (this) {
                    suspendSpeculation();
                    commit();
                    TermIndex at = TermIndex.valueOf(state.appliedTerm(), state.appliedIndex());
                    // Before the database: a copy that holds the founding entry must never leave this node to
                    // found the identity again from a later empty batch.
                    if (identity.adoptIfUnknown(replica.clusterIdentity())) {
                        LOG.info("this cluster's identity is {}, as the leader's copy says", identity.value());
                    }
                    database.installReplica(copy, new LogPosition.Point(at.getIndex(), at.getTerm()));
                    if (speculation != null) {
                        speculation.breakOff();
                    }
                    snapshot = at;
                    updateLastAppliedTermIndex(at);
                    LOG.info("installed the leader's database at index {}", at.getIndex());
                    return at;
                }
            } catch (Exception e) {
                LOG.warn("installing the leader's database failed (the leader will ask again): {}", e.toString());
                throw new java.util.concurrent.CompletionException(e);
            } finally {
                installingCopy = false;
                if (copy != null) {
                    try {
                        java.nio.file.Files.deleteIfExists(copy);
                    } catch (IOException e) {
                        LOG.warn("cannot delete {}", copy);
                    }
                }
            }
        }, installer);
    }

    /**
     * Ratis pauses the state machine before it reloads it after an installed copy, and checks that it did; the
     * database needs nothing (the copy is already in place).
     */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * Ratis shuts down this node's part of the group alone (after closing it) when an election tells the node it is
     * not in the configuration any more: it was removed.
     */
    @Override
    public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
        if (!allServer) {
            removed = true;
            LOG.error("this node is no longer a member of the cluster (it was removed): it serves no requests; "
                    + "to add it again, restart it with --join");
        }
    }

    /** Ratis reloads the state machine after an installed copy; the database is already the new one. */
    @Override
    public void reinitialize() {
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public synchronized long takeSnapshot() throws IOException {
        if (storageFailure != null) {
            return snapshot.getIndex(); // nothing new is durable; Ratis would close the group on an exception
        }
        try {
            suspendSpeculation();
            commit();
            LogPosition.Point point = database.syncDurable();
            long durable = point.index();
            if (durable <= 0) {
                return -1;
            }
            TermIndex at = TermIndex.valueOf(point.term(), durable);
            long needed = neededFrom.getAsLong();
            if (needed <= durable && durable - needed < maxHoldBack) {
                // Ratis purges the log up to the returned index: stop short of what is still needed.
                TermIndex held = division.getRaftLog().getTermIndex(Math.max(needed - 1, snapshot.getIndex()));
                if (held != null) {
                    at = held;
                }
            }
            snapshot = at;
            return at.getIndex();
        } catch (SQLException e) {
            if (NodeFailureException.isStorageFailure(e)) {
                failed("make the database durable", e);
                return snapshot.getIndex();
            }
            throw new IOException("cannot make the database durable", e);
        }
    }

    /**
     * Ratis closed the group on its own: an error it caught (an OutOfMemoryError in the applier, a log it cannot
     * write to) or this node's removal, which it announces only after closing. Unless that announcement follows,
     * the node cannot serve in this process any more.
     */
    private void reportUnexpectedStop() {
        Thread watcher = new Thread(() -> {
            try {
                Thread.sleep(REMOVAL_NOTICE_GRACE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (!removed && !stopExpected) {
                String why = storageFailure != null ? storageFailure : "an unexpected error (see the error logged before)";
                host.fatal("the Raft server of the database stopped after " + why, null);
            }
        }, "halite-stop-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    @Override
    public synchronized void close() throws IOException {
        flusher.shutdownNow();
        installer.shutdownNow();
        if (!stopExpected) {
            reportUnexpectedStop();
        }
        try {
            if (speculation != null) {
                endSpeculation(speculation);
            }
            if (storageFailure == null) {
                commit();
            }
            if (database != null) {
                database.close();
            }
        } catch (SQLException e) {
            throw new IOException(e);
        } finally {
            super.close();
        }
    }
}
