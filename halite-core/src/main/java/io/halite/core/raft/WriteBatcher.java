package io.halite.core.raft;

import io.halite.core.log.LogEntry;
import io.halite.core.node.NodeException;
import io.halite.core.node.WriteOutcome;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import io.micrometer.core.instrument.DistributionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts many client requests into one log entry. One thread drains the queue whenever fewer than
 * {@code maxInFlight} entries are awaiting commit, so the busier the node, the larger its entries: Raft's
 * per-entry cost is paid once for many requests. The limit is asked before each entry, since it depends on
 * whether the group has other members (see {@code HaliteNode}). A request that finds the batcher idle (nothing
 * queued, no entry in flight) is proposed by the thread that submits it: waking the batcher thread would only add
 * its wake-up to the request's latency, and there is nothing to batch it with.
 *
 * <p>An interactive transaction {@link #pause pauses} the batcher: requests queue (as writers wait for a lock in
 * SQLite) until it {@link #resume resumes}, so that no entry lands in the log between the transaction's start
 * and its commit.
 */
public final class WriteBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBatcher.class);

    /** @param user who asked for the request, as this node authenticated them; empty if nobody is named */
    private record Pending(SqlRequest request, String user, long size, CompletableFuture<WriteOutcome> outcome) {}

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final IntSupplier maxInFlight;
    private final long entryTargetBytes;
    private final long maxRequestBytes;
    private final long statementBudget;
    private final DistributionSummary requestsPerEntry;
    private final BiFunction<LogEntry, List<String>, CompletableFuture<Proposer.Committed>> propose;
    private final Thread thread;
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "halite-write-replies");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;
    /** Guards the pause state below. */
    private final Object gate = new Object();
    private boolean paused;
    /** Entries proposed and not yet answered. */
    private int proposing;
    /** Whether the batcher thread holds a request it has not proposed yet (it waits for a slot or a pause's end). */
    private boolean holding;
    /** Counts resumes; {@code passedAt} is the count when the batcher last proposed. */
    private long resumes;
    private long passedAt;

    /**
     * @param propose          proposes an entry to the Raft group, with the user of each request or null if none
     *                         is named ({@link Proposer#propose(LogEntry, List)}); it reports every failure
     *                         through the future it returns, never by throwing
     * @param maxInFlight      how many entries may be proposed and not yet answered; asked before each entry
     * @param entryTargetBytes requests are added to an entry until it would grow past this size
     * @param maxRequestBytes  a single request larger than this is refused
     * @param statementBudget  stamped on every entry: the most SQLite steps one of its statements may take
     * @param requestsPerEntry records how many requests each proposed entry carries
     */
    public WriteBatcher(BiFunction<LogEntry, List<String>, CompletableFuture<Proposer.Committed>> propose,
                        IntSupplier maxInFlight,
                        long entryTargetBytes, long maxRequestBytes, long statementBudget,
                        DistributionSummary requestsPerEntry) {
        this.propose = propose;
        this.requestsPerEntry = requestsPerEntry;
        this.statementBudget = statementBudget;
        this.maxInFlight = maxInFlight;
        this.entryTargetBytes = entryTargetBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.thread = new Thread(this::run, "halite-write-batcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a request for the next entry. The future fails with {@link NodeException} if it cannot be written
     * ({@link NodeException.Reason#USER_REFUSED} if the leader refuses {@code user}).
     *
     * @param user the authenticated user the request is for, passed on with the entry; empty for none
     */
    public CompletableFuture<WriteOutcome> submit(SqlRequest request, String user) {
        CompletableFuture<WriteOutcome> outcome = new CompletableFuture<>();
        long size = estimateSize(request);
        if (size > maxRequestBytes) {
            outcome.completeExceptionally(NodeException.tooLarge("request of about " + size
                    + " bytes exceeds the limit of " + maxRequestBytes + " bytes for one log entry; split it"));
        } else if (!running) {
            outcome.completeExceptionally(NodeException.unavailable("node is shutting down"));
        } else {
            Pending pending = new Pending(request, user, size, outcome);
            if (!proposedAlone(pending)) {
                queue.add(pending);
            }
        }
        return outcome;
    }

    /**
     * Proposes {@code pending} in an entry of its own on this thread if the batcher is idle. Not when an entry is
     * in flight: requests that arrive meanwhile are to share the next entry.
     */
    private boolean proposedAlone(Pending pending) {
        synchronized (gate) {
            if (paused || holding || proposing > 0 || !queue.isEmpty()) {
                return false;
            }
            proposing++;
            passedAt = resumes;
        }
        propose(List.of(pending));
        return true;
    }

    private void run() {
        while (running) {
            Pending first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (first == null) {
                continue;
            }
            try {
                synchronized (gate) {
                    holding = true;
                    // Then a free slot: requests that arrive while every slot is taken queue up and share this entry.
                    while (paused || proposing >= maxInFlight.getAsInt()) {
                        if (!running) {
                            throw new InterruptedException();
                        }
                        gate.wait();
                    }
                    holding = false;
                    proposing++;
                    passedAt = resumes;
                    gate.notifyAll();
                }
                List<Pending> batch = new ArrayList<>();
                batch.add(first);
                long bytes = first.size;
                for (Pending next; (next = queue.peek()) != null && bytes + next.size <= entryTargetBytes; ) {
                    batch.add(queue.poll());
                    bytes += next.size;
                }
                propose(batch);
            } catch (InterruptedException e) {
                first.outcome.completeExceptionally(NodeException.unavailable("node is shutting down"));
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("write batcher failed", e);
            }
        }
    }

    private void propose(List<Pending> batch) {
        List<SqlRequest> requests = new ArrayList<>(batch.size());
        List<String> users = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            requests.add(p.request);
            users.add(p.user);
        }
        requestsPerEntry.record(batch.size());
        LogEntry.Batch entry = new LogEntry.Batch(System.currentTimeMillis(), ThreadLocalRandom.current().nextLong(),
                statementBudget, requests);
        List<String> named = users.stream().allMatch(String::isEmpty) ? null : users;
        propose.apply(entry, named).whenComplete((committed, error) -> {
            boolean lastInFlight;
            synchronized (gate) {
                proposing--;
                lastInFlight = proposing == 0;
                gate.notifyAll();
            }
            // The reply completes on Raft's apply thread (on a leader). While other entries are in flight it must
            // go on applying them, so their clients are answered on our own thread; the last one in flight is
            // answered at once, saving a thread hand-off when the node is not busy.
            if (lastInFlight) {
                answer(batch, committed, error);
            } else {
                replies.execute(() -> answer(batch, committed, error));
            }
        });
    }

    private static void answer(List<Pending> batch, Proposer.Committed committed, Throwable error) {
        if (error == null && !committed.results().isEmpty()) {
            for (int i = 0; i < batch.size(); i++) {
                answer(batch.get(i), committed.results().get(i), committed.logIndex());
            }
        } else {
            String why = error == null ? "the node returned no results" : Proposer.notConfirmed(error).getMessage();
            NodeException failure = Proposer.NotConfirmed.outcomeUnknown("the write", why);
            batch.forEach(p -> p.outcome.completeExceptionally(failure));
        }
    }

    /**
     * A request with statements has no results only if the leader left it out of the entry: it refused the user
     * (see {@link io.halite.core.log.ForwardedUsers}).
     */
    private static void answer(Pending pending, List<StatementResult> results, long index) {
        if (results.isEmpty() && !pending.request.statements().isEmpty()) {
            pending.outcome.completeExceptionally(new NodeException(NodeException.Reason.USER_REFUSED,
                    "the leader refused the request: its users do not allow user '" + pending.user + "' to make it "
                    + "(this node's users file differs from the leader's)"));
        } else {
            pending.outcome.complete(new WriteOutcome(results, index));
        }
    }

    /**
     * Stops proposing entries and waits until every proposed entry is answered. Requests that queued while the
     * batcher was paused go first: they are proposed before a new pause takes effect, so back-to-back
     * transactions cannot starve them.
     *
     * @return whether the batcher is paused; false (and not paused) if that did not happen within the timeout
     */
    public boolean pause(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (gate) {
            while ((holding || !queue.isEmpty()) && passedAt < resumes && running) {
                if (!waitUntil(deadline)) {
                    return false;
                }
            }
            paused = true;
            while (proposing > 0) {
                if (!waitUntil(deadline)) {
                    paused = false;
                    gate.notifyAll();
                    return false;
                }
            }
            return true;
        }
    }

    private boolean waitUntil(long deadline) throws InterruptedException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            return false;
        }
        gate.wait(left);
        return true;
    }

    /** Whether requests wait for a pause to end (they are proposed before the next pause takes effect). */
    public boolean hasWaiting() {
        synchronized (gate) {
            return paused && (holding || !queue.isEmpty());
        }
    }

    /** Lets the batcher propose entries again. */
    public void resume() {
        synchronized (gate) {
            paused = false;
            resumes++;
            gate.notifyAll();
        }
    }

    /** An upper bound of the request's encoded size, without encoding it. */
    public static long estimateSize(SqlRequest request) {
        long size = 8;
        for (SqlStatement s : request.statements()) {
            size += 16 + 3L * s.sql().length();
            for (Object v : s.params()) {
                size += valueSize(v);
            }
            for (var e : s.namedParams().entrySet()) {
                size += 4 + 3L * e.getKey().length() + valueSize(e.getValue());
            }
        }
        return size;
    }

    private static long valueSize(Object v) {
        if (v instanceof String s) {
            return 5 + 3L * s.length();
        }
        if (v instanceof byte[] b) {
            return 5 + b.length;
        }
        return 9;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        resume();
        thread.join(5_000);
        replies.shutdown();
        for (Pending p; (p = queue.poll()) != null; ) {
            p.outcome.completeExceptionally(NodeException.unavailable("node is shutting down"));
        }
    }
}
