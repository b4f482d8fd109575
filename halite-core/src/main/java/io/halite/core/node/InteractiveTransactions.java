package io.halite.core.node;

import io.halite.core.engine.EntryWrites;
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
import java.util.ArrayList;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interactive transactions on the leader: begin, statements, commit or rollback over several client requests.
 *
 * <p>Transactions run speculatively on the leader's writer connection, one at a time, in a chain
 * ({@link SqliteDatabase.Speculation}): each runs on top of the ones whose clients committed before it began, so its
 * statements see their writes and its own, and nobody outside the chain sees any of them. A transaction holds the
 * turn from its begin until its client commits or it ends; its commit settles its write statements into the chain
 * and lets the next transaction begin at once, while its entry goes through the log. The transactions that settle
 * while one entry is in flight go together into the next {@link LogEntry.Transactions} entry, so one Raft round
 * serves many transactions. Every node, the leader included, applies that entry like any other: deterministic
 * replay on the same base computes what each client saw. A client is answered once its transaction's entry is
 * applied; a transaction that read a settled transaction's writes commits only after it.
 *
 * <p>While a chain exists the leader's write batcher is paused, so that no other entry lands between its entries. If
 * anything else reached the log in between (a write forwarded by a follower, a load), every replica refuses the
 * entries built on the old base alike; their clients, and the transaction still open, are told to retry. Plain
 * writes that queue while the chain runs end it: the transactions already settled go through, the next begin waits
 * for them, and the batcher's queued requests are proposed before a new chain starts.
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

    /** Transactions settled while an entry is in flight are proposed together, up to about this many bytes. */
    private static final long ENTRY_TARGET_BYTES = 1 << 20;

    private final String nodeId;
    private final SqliteStateMachine stateMachine;
    private final WriteBatcher batcher;
    private final Proposer proposer;
    private final Leadership leadership;
    private final Consumer<AbortReason> aborted;
    /** One transaction at a time is open (from its begin to its commit); the others wait their turn in arrival order. */
    private final Semaphore turn = new Semaphore(1, true);
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    /** Guards the chain and its settled transactions. Taken after a transaction's monitor, never before. */
    private final Object chainLock = new Object();
    private Chain chain;
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
        final Chain chain;
        final long idleNanos;
        volatile long lastUsed = System.nanoTime();

        Open(String id, String owner, Chain chain, Duration idle) {
            this.id = id;
            this.owner = owner;
            this.chain = chain;
            this.idleNanos = idle.toNanos();
        }
    }

    /** A transaction whose client committed, waiting for its entry: the log index it committed at, or why not. */
    private record Settled(LogEntry.Transaction writes, long bytes, CompletableFuture<Long> outcome) {}

    /** The chain of transactions on the writer, and its settled transactions on their way through the log. */
    private static final class Chain {
        final SqliteDatabase.Speculation speculation;
        /** Settled and not yet proposed. */
        final List<Settled> waiting = new ArrayList<>();
        /** Proposed in one entry, not yet answered; empty if none is. */
        List<Settled> inFlight = List.of();
        /** Whether a transaction holds the turn on this chain (begun, not yet committed or ended). */
        boolean turnHeld;

        Chain(SqliteDatabase.Speculation speculation) {
            this.speculation = speculation;
        }

        /** The outcome of the last settled transaction, which everything after it depends on; null if none. */
        CompletableFuture<Long> lastOutcome() {
            List<Settled> last = waiting.isEmpty() ? inFlight : waiting;
            return last.isEmpty() ? null : last.get(last.size() - 1).outcome();
        }

        boolean drained() {
            return !turnHeld && waiting.isEmpty() && inFlight.isEmpty();
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
     * Begins a transaction once it is its turn, waiting at most {@code wait} for it.
     *
     * @param owner who begins it (the authenticated user name; empty without authentication): only requests
     *              that give the same owner may use or end it
     * @param idle the transaction is aborted after this long without a request
     * @throws NodeException {@code NOT_LEADER}, or {@code UNAVAILABLE} if the turn did not come in time
     */
    public Begun begin(String owner, Duration idle, Duration wait) throws InterruptedException {
        requireLeader();
        long deadline = System.nanoTime() + wait.toNanos();
        if (!turn.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            throw NodeException.unavailable("timed out after " + wait.toMillis()
                    + " ms waiting for another transaction to end");
        }
        Chain on = null;
        try {
            requireLeader();
            on = chainToJoin(wait, deadline);
            Chain joined = on;
            long stamp = System.currentTimeMillis();
            long seed = ThreadLocalRandom.current().nextLong();
            stateMachine.withSpeculation(on.speculation, speculation -> {
                speculation.open(stamp, seed);
                return null;
            });
            byte[] random = new byte[12];
            IDS.nextBytes(random);
            Open tx = new Open(nodeId + "-" + HexFormat.of().formatHex(random), owner, joined, idle);
            open.put(tx.id, tx);
            scheduleIdleCheck(tx, idle.toNanos());
            return new Begun(tx.id, on.speculation.baseIndex());
        } catch (SQLException | SqliteDatabase.SpeculationLost | IllegalStateException e) {
            passTurn(on);
            throw NodeException.unavailable("cannot begin a transaction: " + e.getMessage());
        } catch (RuntimeException | InterruptedException e) {
            passTurn(on);
            throw e;
        }
    }

    /**
     * The chain a transaction that holds the turn joins: the current one, or a new one once the current one has
     * drained, if it broke or plain writes wait for their turn.
     */
    private Chain chainToJoin(Duration wait, long deadline) throws InterruptedException, SQLException {
        synchronized (chainLock) {
            if (chain != null && !chain.speculation.broken() && !batcher.hasWaiting()) {
                chain.turnHeld = true;
                return chain;
            }
            while (chain != null && !chain.drained()) {
                long left = millisLeft(deadline);
                if (left <= 0) {
                    throw NodeException.unavailable("timed out after " + wait.toMillis()
                            + " ms waiting for committed transactions to reach the log");
                }
                chainLock.wait(left);
            }
            endChain();
        }
        // Start from everything committed so far, after the writes that queued meanwhile.
        if (!batcher.pause(millisLeft(deadline))) {
            throw NodeException.unavailable("timed out after " + wait.toMillis()
                    + " ms waiting for queued writes to commit");
        }
        try {
            if (!stateMachine.awaitApplied(leadership.committedIndex(), millisLeft(deadline))) {
                throw NodeException.unavailable("timed out waiting for this node to apply the log");
            }
            Chain started = new Chain(stateMachine.beginSpeculation());
            started.turnHeld = true;
            synchronized (chainLock) {
                chain = started;
            }
            return started;
        } catch (RuntimeException | SQLException | InterruptedException e) {
            batcher.resume();
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
                return stateMachine.withSpeculation(tx.chain.speculation, speculation -> speculation.run(request));
            } catch (SqliteDatabase.SpeculationLost lost) {
                throw lost(tx, lost);
            } catch (SQLException | IllegalStateException e) {
                throw failed(tx, e);
            } finally {
                tx.lastUsed = System.nanoTime();
            }
        }
    }

    /**
     * Commits a transaction: its writes go through the log, in one entry with those of the transactions that commit
     * alongside, applied on every node.
     *
     * @return the log index of that entry, or 0 if the transaction wrote nothing
     * @throws NodeException {@code TRANSACTION_ABORTED} if the entry was refused because another write came first (nothing applied)
     * @throws NodeException {@code OUTCOME_UNKNOWN} if the commit was not confirmed in time (it may or may not have happened)
     */
    public long commit(String id, String owner, Duration timeout) throws InterruptedException {
        Open tx = find(id, owner);
        CompletableFuture<Long> outcome;
        boolean wrote;
        synchronized (tx) {
            requireOpen(tx);
            EntryWrites.Part part;
            try {
                part = stateMachine.withSpeculation(tx.chain.speculation, SqliteDatabase.Speculation::settle);
            } catch (SqliteDatabase.SpeculationLost lost) {
                lost(tx, lost);
                throw aborted("transaction " + id + " was not committed: " + lost.getMessage());
            } catch (SQLException | IllegalStateException e) {
                throw failed(tx, e);
            }
            open.remove(tx.id, tx);
            synchronized (chainLock) {
                wrote = part != null;
                if (wrote) {
                    LogEntry.Transaction writes = LogEntry.Transaction.of(part);
                    long bytes = writes.requests().stream().mapToLong(WriteBatcher::estimateSize).sum();
                    outcome = new CompletableFuture<>();
                    tx.chain.waiting.add(new Settled(writes, bytes, outcome));
                    proposeWaiting(tx.chain);
                } else {
                    // It read what the transactions settled before it wrote: it commits once they do.
                    outcome = tx.chain.lastOutcome();
                }
                passTurnLocked(tx.chain);
            }
            turn.release();
        }
        if (outcome == null) {
            remember(id, new Ending("it was committed (it wrote nothing)", false));
            return 0;
        }
        long index;
        try {
            index = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            NotCommitted failure = (NotCommitted) e.getCause();
            if (failure.reason == AbortReason.COMMIT_UNCONFIRMED) {
                throw unconfirmed(id, failure.getMessage());
            }
            remember(id, new Ending("it was not committed", true));
            aborted.accept(wrote ? failure.reason : AbortReason.CONFLICT);
            throw aborted("transaction " + id + " was not committed: " + (wrote ? failure.getMessage()
                    : "a transaction whose writes it read was not committed; retry it"));
        } catch (TimeoutException e) {
            throw unconfirmed(id, "timed out after " + timeout.toMillis() + " ms");
        }
        remember(id, new Ending("it was committed", false));
        return wrote ? index : 0;
    }

    private NodeException unconfirmed(String id, String why) {
        remember(id, new Ending("its commit was not confirmed", true));
        aborted.accept(AbortReason.COMMIT_UNCONFIRMED);
        return Proposer.NotConfirmed.outcomeUnknown("the commit of transaction " + id, why);
    }

    /** Why a settled transaction did not commit (or was not confirmed, if {@code reason} says so). */
    private static final class NotCommitted extends RuntimeException {
        final AbortReason reason;

        NotCommitted(AbortReason reason, String why) {
            super(why, null, false, false);
            this.reason = reason;
        }
    }

    /** Proposes the chain's waiting transactions in one entry, unless an entry of it is in flight. */
    private void proposeWaiting(Chain on) {
        if (!on.inFlight.isEmpty() || on.waiting.isEmpty()) {
            return;
        }
        if (on.speculation.broken()) {
            fail(on.waiting, new NotCommitted(AbortReason.CONFLICT, SqliteDatabase.Speculation.CONFLICT));
            on.waiting.clear();
            return;
        }
        List<Settled> group = new ArrayList<>();
        long bytes = 0;
        for (Settled next : on.waiting) {
            if (!group.isEmpty() && bytes + next.bytes() > ENTRY_TARGET_BYTES) {
                break;
            }
            group.add(next);
            bytes += next.bytes();
        }
        on.waiting.subList(0, group.size()).clear();
        on.inFlight = group;
        LogEntry.Transactions entry = new LogEntry.Transactions(on.speculation.baseIndex(),
                group.stream().map(Settled::writes).toList());
        proposer.propose(entry).whenComplete((committed, failure) -> answered(on, group, committed, failure));
    }

    /**
     * The group's entry was answered (or not confirmed): its clients are told at once, on the thread that completed
     * the reply; the chain's own work follows on another thread, since that one may be the applier's, holding the
     * state machine, which the chain's work takes after {@code chainLock}.
     */
    private void answered(Chain on, List<Settled> group, Proposer.Committed committed, Throwable failure) {
        NotCommitted outcome = null;
        if (failure != null) {
            Proposer.NotConfirmed notConfirmed = Proposer.notConfirmed(failure);
            outcome = new NotCommitted(notConfirmed.refused() ? AbortReason.COMMIT_REFUSED
                    : AbortReason.COMMIT_UNCONFIRMED, notConfirmed.getMessage());
        } else if (committed.results().isEmpty()) {
            outcome = new NotCommitted(AbortReason.CONFLICT, SqliteDatabase.Speculation.CONFLICT);
        }
        if (outcome == null) {
            group.forEach(settled -> settled.outcome().complete(committed.logIndex()));
        } else {
            fail(group, outcome);
        }
        boolean failed = outcome != null;
        timer.execute(() -> nextGroup(on, failed));
    }

    /** Proposes the transactions that settled while the last group was in flight, or ends the drained chain. */
    private void nextGroup(Chain on, boolean lastFailed) {
        synchronized (chainLock) {
            on.inFlight = List.of();
            if (lastFailed) {
                // Those after it were built on its writes: none of them can commit, nor can the open one.
                fail(on.waiting, new NotCommitted(AbortReason.CONFLICT,
                        "a transaction committed before it, whose writes it read, was not committed; retry it"));
                on.waiting.clear();
                try {
                    stateMachine.withSpeculation(on.speculation, speculation -> {
                        speculation.breakOff();
                        return null;
                    });
                } catch (SQLException | SqliteDatabase.SpeculationLost | IllegalStateException e) {
                    LOG.debug("the chain of transactions has ended already: {}", e.getMessage());
                }
            }
            proposeWaiting(on);
            if (on == chain && on.drained()) {
                endChain();
            }
            chainLock.notifyAll();
        }
    }

    private static void fail(List<Settled> settled, NotCommitted why) {
        settled.forEach(s -> s.outcome().completeExceptionally(why));
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
        synchronized (chainLock) {
            if (chain != null) {
                // Never proposed: nothing of them reached the log.
                fail(chain.waiting, new NotCommitted(reason, why));
                chain.waiting.clear();
                chain.inFlight = List.of(); // their clients learn the entry's fate from its own answer
                if (!chain.turnHeld) {
                    endChain();
                }
                chainLock.notifyAll();
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

    /** The transaction is over: SQLite rolled it back, or the chain broke. Called with its monitor held. */
    private NodeException lost(Open tx, SqliteDatabase.SpeculationLost lost) {
        end(tx, lost.conflict() ? AbortReason.CONFLICT : AbortReason.ROLLED_BACK_BY_SQLITE, lost.getMessage());
        return aborted("transaction " + tx.id + " was aborted: " + lost.getMessage());
    }

    /** The node could not run the transaction's request. Called with its monitor held. */
    private NodeException failed(Open tx, Exception e) {
        String why = "the node failed to run it: " + e.getMessage();
        end(tx, AbortReason.NODE_ERROR, why);
        return aborted("transaction " + tx.id + " was aborted: " + why);
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
            stateMachine.withSpeculation(tx.chain.speculation, speculation -> {
                speculation.abandon();
                return null;
            });
        } catch (SQLException | SqliteDatabase.SpeculationLost | IllegalStateException e) {
            LOG.warn("cannot undo the work of transaction {}: {}", tx.id, e.getMessage());
        } finally {
            passTurn(tx.chain);
        }
        return true;
    }

    /** The transaction that held the turn on {@code on} (null if it joined none) no longer does. */
    private void passTurn(Chain on) {
        if (on != null) {
            synchronized (chainLock) {
                passTurnLocked(on);
            }
        }
        turn.release();
    }

    private void passTurnLocked(Chain on) {
        on.turnHeld = false;
        if (on == chain && on.drained()) {
            endChain();
        }
        chainLock.notifyAll();
    }

    /** Gives the writer back to the applier and lets plain writes go on; called with {@code chainLock} held. */
    private void endChain() {
        if (chain == null) {
            return;
        }
        try {
            stateMachine.endSpeculation(chain.speculation);
        } catch (SQLException e) {
            LOG.warn("cannot undo the work of the chain of transactions: {}", e.getMessage());
        } finally {
            chain = null;
            batcher.resume();
        }
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

    private static NodeException aborted(String message) {
        return new NodeException(NodeException.Reason.TRANSACTION_ABORTED, message);
    }

    private static NodeException noSuch(String message) {
        return new NodeException(NodeException.Reason.NO_SUCH_TRANSACTION, message);
    }
}
