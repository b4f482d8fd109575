package io.halite.core.node;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.log.LogEntry;
import io.halite.core.raft.Proposer;
import io.halite.core.raft.SqliteStateMachine;
import io.halite.core.raft.WriteBatcher;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.StatementResult;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interactive transactions on the leader: begin, statements, commit or rollback over several client requests.
 *
 * <p>A transaction runs speculatively on the leader's writer connection, so its statements see its own writes and
 * nobody else sees them. While it is open it holds the write gate: the leader's write batcher is paused and the
 * log is not applied here, so other writers queue behind it as they would behind SQLite's write lock, and one
 * transaction runs at a time. Commit proposes the transaction's write statements as one
 * {@link LogEntry.Transaction} entry with the transaction's pinned time and seed, undoes the speculative work, and
 * lets the entry apply on every node like any other: deterministic replay on the same base computes what the
 * client saw. If anything else reached the log in between (a write forwarded by a follower, a load), every
 * replica refuses the entry alike and the client is told to retry.
 *
 * <p>A transaction ends on commit, rollback, its idle timeout, a leader change, or when SQLite rolls it back;
 * every end but a commit leaves nothing behind.
 */
public final class InteractiveTransactions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InteractiveTransactions.class);
    private static final int REMEMBERED_ENDINGS = 1024;
    private static final SecureRandom IDS = new SecureRandom();

    /** What the node tells about its leadership. */
    interface Leadership {
        /** Whether this node leads and has applied its term's first entry. */
        boolean isReadyLeader();

        /** The last index this node knows to be committed. */
        long committedIndex();
    }

    /** A transaction that has begun: its id and the applied index it runs on. */
    public record Begun(String id, long baseIndex) {}

    /** Why a transaction ended without committing: the {@code reason} label of {@code halite_tx_aborted_total}. */
    enum AbortReason {
        LEADER_CHANGED("leader_changed"),
        IDLE_TIMEOUT("idle_timeout"),
        /** SQLite rolled the transaction back (a failing {@code OR ROLLBACK}, {@code RAISE(ROLLBACK)}). */
        ROLLED_BACK_BY_SQLITE("sqlite_rollback"),
        NODE_ERROR("node_error"),
        /** Another write reached the log while it ran, so its commit entry was refused on every replica. */
        CONFLICT("conflict"),
        COMMIT_REFUSED("commit_refused"),
        /** The commit's outcome is unknown (not confirmed in time, or the leader failed). */
        COMMIT_UNCONFIRMED("commit_unconfirmed"),
        SHUTDOWN("shutdown");

        private final String label;

        AbortReason(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    private final String nodeId;
    private final SqliteStateMachine stateMachine;
    private final WriteBatcher batcher;
    private final Proposer proposer;
    private final Leadership leadership;
    private final Consumer<AbortReason> aborted;
    /** One transaction at a time holds the writer; the others wait their turn in arrival order. */
    private final Semaphore turn = new Semaphore(1, true);
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    /** How a transaction ended: {@code aborted} unless it was committed or rolled back as asked. */
    private record Ending(String why, boolean aborted) {}

    /** How recently ended transactions ended, so that a late request learns more than "unknown". */
    private final Map<String, Ending> endings = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Ending> eldest) {
            return size() > REMEMBERED_ENDINGS;
        }
    };
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-transactions");
        t.setDaemon(true);
        return t;
    });

    /** An open transaction. Its requests are serialized on the object itself. */
    private static final class Open {
        final String id;
        final String owner;
        final SqliteDatabase.Speculation speculation;
        final long idleNanos;
        volatile long lastUsed = System.nanoTime();

        Open(String id, String owner, SqliteDatabase.Speculation speculation, Duration idle) {
            this.id = id;
            this.owner = owner;
            this.speculation = speculation;
            this.idleNanos = idle.toNanos();
        }
    }

    InteractiveTransactions(String nodeId, SqliteStateMachine stateMachine, WriteBatcher batcher,
                            Proposer proposer, Leadership leadership,
                            Consumer<AbortReason> aborted) {
        this.nodeId = nodeId;
        this.aborted = aborted;
        this.stateMachine = stateMachine;
        this.batcher = batcher;
        this.proposer = proposer;
        this.leadership = leadership;
        stateMachine.addLeaderChangeListener(() -> timer.execute(() ->
                abortAll(AbortReason.LEADER_CHANGED, "the leader changed")));
    }

    /**
     * Begins a transaction once the write gate is free, waiting at most {@code wait} for it.
     *
     * @param owner who begins it (the authenticated user name; empty without authentication): only requests
     *              that give the same owner may use or end it
     * @param idle the transaction is aborted after this long without a request
     * @throws NodeException {@code NOT_LEADER}, or {@code UNAVAILABLE} if the gate stayed busy
     */
    public Begun begin(String owner, Duration idle, Duration wait) throws InterruptedException {
        requireLeader();
        long deadline = System.nanoTime() + wait.toNanos();
        if (!turn.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            throw NodeException.unavailable("timed out after " + wait.toMillis()
                    + " ms waiting for another transaction to end");
        }
        boolean paused = false;
        try {
            requireLeader();
            paused = batcher.pause(millisLeft(deadline));
            if (!paused) {
                throw NodeException.unavailable("timed out after " + wait.toMillis()
                        + " ms waiting for queued writes to commit");
            }
            // Start from everything committed so far: the commit would conflict with anything applied later.
            if (!stateMachine.awaitApplied(leadership.committedIndex(), millisLeft(deadline))) {
                throw NodeException.unavailable("timed out waiting for this node to apply the log");
            }
            SqliteDatabase.Speculation speculation = stateMachine.beginSpeculation(System.currentTimeMillis(),
                    ThreadLocalRandom.current().nextLong());
            byte[] random = new byte[12];
            IDS.nextBytes(random);
            Open tx = new Open(nodeId + "-" + HexFormat.of().formatHex(random), owner, speculation, idle);
            open.put(tx.id, tx);
            scheduleIdleCheck(tx, idle.toNanos());
            return new Begun(tx.id, speculation.baseIndex());
        } catch (SQLException e) {
            releaseGate(paused);
            throw NodeException.unavailable("cannot begin a transaction: " + e.getMessage());
        } catch (RuntimeException | InterruptedException e) {
            releaseGate(paused);
            throw e;
        }
    }

    /**
     * Runs a request inside an open transaction.
     *
     * @throws NodeException {@code NO_SUCH_TRANSACTION} if no open transaction has this id
     * @throws NotOwner if {@code owner} did not begin it
     * @throws NodeException {@code TRANSACTION_ABORTED} if SQLite rolled the transaction back (it is over)
     */
    public List<StatementResult> run(String id, String owner, SqlRequest request) {
        Open tx = find(id, owner);
        synchronized (tx) {
            requireOpen(tx);
            tx.lastUsed = System.nanoTime();
            try {
                return stateMachine.runSpeculative(tx.speculation, request);
            } catch (SqliteDatabase.SpeculationLost lost) {
                String why = lost.getMessage();
                end(tx, AbortReason.ROLLED_BACK_BY_SQLITE, why);
                throw aborted("transaction " + id + " was aborted: " + why);
            } catch (SQLException | IllegalStateException e) {
                String why = "the node failed to run it: " + e.getMessage();
                end(tx, AbortReason.NODE_ERROR, why);
                throw aborted("transaction " + id + " was aborted: " + why);
            } finally {
                tx.lastUsed = System.nanoTime();
            }
        }
    }

    /**
     * Commits a transaction: its writes go through the log as one entry, applied on every node.
     *
     * @return the log index of that entry, or 0 if the transaction wrote nothing
     * @throws NodeException {@code TRANSACTION_ABORTED} if the entry was refused because another write came first (nothing applied)
     * @throws NodeException {@code OUTCOME_UNKNOWN} if the commit was not confirmed in time (it may or may not have happened)
     */
    public long commit(String id, String owner, Duration timeout) throws InterruptedException {
        Open tx = find(id, owner);
        LogEntry.Transaction entry;
        synchronized (tx) {
            requireOpen(tx);
            entry = LogEntry.Transaction.of(tx.speculation);
            if (!open.remove(tx.id, tx)) {
                throw gone(id);
            }
            try {
                stateMachine.endSpeculation(tx.speculation);
            } catch (SQLException e) {
                LOG.warn("cannot undo the speculative work of transaction {}: {}", id, e.getMessage());
            }
        }
        // The next transaction may start as soon as this one's entry is applied: release the gate right there,
        // not after this thread has woken up (or after a timeout, if the entry's fate stays unknown).
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                releaseGate(true);
            }
        };
        try {
            if (entry == null) {
                remember(id, new Ending("it was committed (it wrote nothing)", false));
                return 0;
            }
            CompletableFuture<Proposer.Committed> proposed = proposer.propose(entry);
            proposed.whenComplete((done, failure) -> release.run());
            Proposer.Committed committed;
            try {
                committed = proposed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Proposer.NotConfirmed failure = Proposer.notConfirmed(e.getCause());
                if (failure.refused()) {
                    remember(id, new Ending("its commit was refused", true));
                    aborted.accept(AbortReason.COMMIT_REFUSED);
                    throw aborted("transaction " + id + " was not committed: " + failure.getMessage());
                }
                throw unconfirmed(id, failure.getMessage());
            } catch (TimeoutException e) {
                throw unconfirmed(id, "timed out after " + timeout.toMillis() + " ms");
            }
            if (committed.results().isEmpty()) {
                remember(id, new Ending("another write reached the log first", true));
                aborted.accept(AbortReason.CONFLICT);
                throw aborted("transaction " + id + " was not committed: another write reached the log "
                        + "while it ran; retry it");
            }
            remember(id, new Ending("it was committed", false));
            return committed.logIndex();
        } finally {
            release.run();
        }
    }

    /** Rolls a transaction back. */
    public void rollback(String id, String owner) {
        Open tx = find(id, owner);
        synchronized (tx) {
            requireOpen(tx);
            end(tx, new Ending("it was rolled back", false));
        }
    }

    private void abortAll(AbortReason reason, String why) {
        for (Open tx : open.values()) {
            synchronized (tx) {
                if (open.get(tx.id) == tx) {
                    LOG.info("transaction {} aborted: {}", tx.id, why);
                    end(tx, reason, why);
                }
            }
        }
    }

    private void scheduleIdleCheck(Open tx, long delayNanos) {
        timer.schedule(() -> {
            if (open.get(tx.id) != tx) {
                return;
            }
            long idle = System.nanoTime() - tx.lastUsed;
            if (idle < tx.idleNanos) {
                scheduleIdleCheck(tx, tx.idleNanos - idle);
                return;
            }
            synchronized (tx) {
                if (open.get(tx.id) == tx && System.nanoTime() - tx.lastUsed >= tx.idleNanos) {
                    String why = "it was idle for longer than its idle timeout of "
                            + TimeUnit.NANOSECONDS.toMillis(tx.idleNanos) + " ms";
                    LOG.info("transaction {} aborted: {}", tx.id, why);
                    end(tx, AbortReason.IDLE_TIMEOUT, why);
                } else if (open.get(tx.id) == tx) {
                    scheduleIdleCheck(tx, tx.idleNanos);
                }
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Aborts an open transaction; called with the transaction's monitor held. */
    private void end(Open tx, AbortReason reason, String why) {
        if (end(tx, new Ending(why, true))) {
            aborted.accept(reason);
        }
    }

    /**
     * Ends an open transaction without committing it; called with the transaction's monitor held. Returns whether
     * it was still open.
     */
    private boolean end(Open tx, Ending ending) {
        if (!open.remove(tx.id, tx)) {
            return false;
        }
        remember(tx.id, ending);
        try {
            stateMachine.endSpeculation(tx.speculation);
        } catch (SQLException e) {
            LOG.warn("cannot undo the work of transaction {}: {}", tx.id, e.getMessage());
        } finally {
            releaseGate(true);
        }
        return true;
    }

    private void releaseGate(boolean paused) {
        if (paused) {
            batcher.resume();
        }
        turn.release();
    }

    private Open find(String id, String owner) {
        Open tx = open.get(id);
        if (tx == null) {
            throw gone(id);
        }
        if (!tx.owner.equals(owner)) {
            throw new NodeException(NodeException.Reason.NOT_TRANSACTION_OWNER, "transaction " + id
                    + " was begun by another user; only that user can use or end it");
        }
        return tx;
    }

    private void requireOpen(Open tx) {
        if (open.get(tx.id) != tx) {
            throw gone(tx.id);
        }
    }

    private NodeException gone(String id) {
        Ending ending;
        synchronized (endings) {
            ending = endings.get(id);
        }
        if (ending == null) {
            return noSuch("no open transaction has the id " + id + " on this node");
        }
        return ending.aborted()
                ? aborted("transaction " + id + " was aborted: " + ending.why())
                : noSuch("transaction " + id + " has ended: " + ending.why());
    }

    private void remember(String id, Ending ending) {
        synchronized (endings) {
            endings.put(id, ending);
        }
    }

    private void requireLeader() {
        if (!leadership.isReadyLeader()) {
            throw NodeException.notLeader("this node is not the leader; transactions run on the leader");
        }
    }

    private static long millisLeft(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    @Override
    public void close() {
        abortAll(AbortReason.SHUTDOWN, "the node is shutting down");
        timer.shutdownNow();
    }

    private NodeException unconfirmed(String id, String why) {
        remember(id, new Ending("its commit was not confirmed", true));
        aborted.accept(AbortReason.COMMIT_UNCONFIRMED);
        return Proposer.NotConfirmed.outcomeUnknown("the commit of transaction " + id, why);
    }

    private static NodeException aborted(String message) {
        return new NodeException(NodeException.Reason.TRANSACTION_ABORTED, message);
    }

    private static NodeException noSuch(String message) {
        return new NodeException(NodeException.Reason.NO_SUCH_TRANSACTION, message);
    }
}
