package io.halite.core.node;

import io.halite.core.raft.RaftFailures;
import io.halite.core.raft.WriteBatcher;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rqlite's queued writes: a request is accepted at once with a sequence number and applied later, merged with the
 * requests queued before it into one request (one log entry). One batch is written at a time, in queue order, so
 * the requests of one client apply in the order it sent them.
 *
 * <p>Durability is traded for speed: a queued request lives only in this node's memory until its batch is
 * committed. If the node stops or dies first, or the batch cannot be written (no leader in time), it is lost; every
 * loss is logged and counted, never silent. A statement that fails when applied fails alone (the batch is not a
 * transaction), and is logged and counted too, since no client hears of it.
 */
public final class WriteQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteQueue.class);
    /** Requests waiting at most; rqlite's default queue capacity. */
    public static final int DEFAULT_CAPACITY = 1024;
    /** Requests merged into one batch at most; rqlite's default batch size. */
    static final int MAX_BATCH_REQUESTS = 128;
    /** How long one batch may take to be written before its outcome is taken as unknown. */
    private static final long BATCH_TIMEOUT_SECONDS = 60;

    /**
     * A queued request: its sequence number, and a future completed with the log index of the entry that carried
     * it once applied (exceptionally if it was lost).
     */
    public record Ticket(long sequence, CompletableFuture<Long> applied) {}

    /** What {@code /status} shows of the queue. */
    public record Stats(int capacity, int batchSize, int waiting, long sequenceNumber, long requestsApplied,
                        long statementsFailed, long statementsLost) {}

    private record Queued(Ticket ticket, SqlRequest request) {}

    private final Function<SqlRequest, CompletableFuture<WriteOutcome>> writer;
    private final int capacity;
    private final long maxBatchBytes;
    private final Thread thread;
    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
    /** Guarded by {@code waiting}: the last ticket handed out, and whether the queue still takes requests. */
    private Ticket last;
    private boolean open = true;
    /**
     * Sequence numbers start from the clock in microseconds, so they grow across restarts too (rqlite's are
     * nanoseconds); microseconds stay below 2^53, so JavaScript clients read them exactly (rqlite-js saw
     * consecutive nanosecond numbers as equal).
     */
    private long nextSequence = System.currentTimeMillis() * 1_000L;
    private volatile long appliedSequence;
    private volatile long appliedIndex;
    private final AtomicLong requestsApplied = new AtomicLong();
    private final AtomicLong statementsFailed = new AtomicLong();
    /** Counted from the queue's thread and from {@link #close}. */
    private final AtomicLong statementsLost = new AtomicLong();

    /**
     * @param writer        writes one request through the log (the node's write path)
     * @param capacity      requests waiting at most; more are refused
     * @param maxBatchBytes a batch stops growing before its estimated log size passes this (the node's largest
     *                      request), so merging never makes a request too large
     */
    public WriteQueue(Function<SqlRequest, CompletableFuture<WriteOutcome>> writer, int capacity, long maxBatchBytes) {
        this.writer = writer;
        this.capacity = capacity;
        this.maxBatchBytes = maxBatchBytes;
        this.thread = new Thread(this::run, "halite-write-queue");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Queues a request (not a {@code transaction} one: a batch is not all or nothing).
     *
     * @throws NodeException {@code TOO_LARGE} if the request alone is larger than a batch may be,
     *                       {@code UNAVAILABLE} if the queue is full or closed
     */
    public Ticket enqueue(SqlRequest request) {
        if (request.transaction()) {
            throw new IllegalArgumentException("a queued request cannot be a transaction");
        }
        long size = WriteBatcher.estimateSize(request);
        if (size > maxBatchBytes) {
            throw NodeException.tooLarge("request of about " + size + " bytes exceeds the limit of " + maxBatchBytes
                    + " bytes for one log entry; split it");
        }
        synchronized (waiting) {
            if (!open) {
                throw NodeException.unavailable("node is shutting down");
            }
            if (waiting.size() >= capacity) {
                throw NodeException.unavailable("the write queue is full (" + capacity + " requests waiting); retry "
                        + "later, or write without queue");
            }
            last = new Ticket(nextSequence++, new CompletableFuture<>());
            waiting.add(new Queued(last, request));
            waiting.notifyAll();
            return last;
        }
    }

    /**
     * A ticket for everything queued so far: its future completes once the last request queued is applied (at
     * once if nothing is queued), with the log index of the last batch.
     */
    public Ticket lastQueued() {
        synchronized (waiting) {
            if (last == null || last.applied().isDone()) {
                return new Ticket(last == null ? 0 : last.sequence(), CompletableFuture.completedFuture(appliedIndex));
            }
            return last;
        }
    }

    public Stats stats() {
        int size;
        synchronized (waiting) {
            size = waiting.size();
        }
        return new Stats(capacity, MAX_BATCH_REQUESTS, size, appliedSequence, requestsApplied.get(),
                statementsFailed.get(), statementsLost.get());
    }

    private void run() {
        while (true) {
            List<Queued> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            write(batch);
        }
    }

    /** Waits for requests and takes the next batch; null once the queue is closed and empty. */
    private List<Queued> nextBatch() throws InterruptedException {
        synchronized (waiting) {
            while (waiting.isEmpty()) {
                if (!open) {
                    return null;
                }
                waiting.wait();
            }
            List<Queued> batch = new ArrayList<>();
            long bytes = 0;
            while (!waiting.isEmpty() && batch.size() < MAX_BATCH_REQUESTS) {
                long size = WriteBatcher.estimateSize(waiting.peek().request());
                if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
                    break;
                }
                bytes += size;
                batch.add(waiting.poll());
            }
            return batch;
        }
    }

    private void write(List<Queued> batch) {
        List<SqlStatement> statements = new ArrayList<>();
        for (Queued q : batch) {
            statements.addAll(q.request().statements());
        }
        WriteOutcome outcome;
        try {
            outcome = writer.apply(new SqlRequest(statements, false)).get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lose(batch, statements.size(), "the node is shutting down");
            return;
        } catch (TimeoutException e) {
            lose(batch, statements.size(), "not committed within " + BATCH_TIMEOUT_SECONDS + " s (outcome unknown)");
            return;
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            lose(batch, statements.size(), cause instanceof NodeException ? cause.getMessage()
                    : RaftFailures.explain(cause));
            return;
        }
        int at = 0;
        for (Queued q : batch) {
            for (SqlStatement statement : q.request().statements()) {
                if (outcome.results().get(at++) instanceof StatementResult.Failed failed) {
                    statementsFailed.incrementAndGet();
                    LOG.warn("queued write {} failed: {} (statement: {})", q.ticket().sequence(), failed.error(),
                            statement.sql());
                }
            }
        }
        requestsApplied.addAndGet(batch.size());
        appliedIndex = outcome.raftIndex();
        appliedSequence = batch.get(batch.size() - 1).ticket().sequence();
        for (Queued q : batch) {
            q.ticket().applied().complete(outcome.raftIndex());
        }
    }

    private void lose(List<Queued> batch, int statementCount, String reason) {
        statementsLost.addAndGet(statementCount);
        LOG.error("queued writes {} to {} were lost ({} statements): {}", batch.get(0).ticket().sequence(),
                batch.get(batch.size() - 1).ticket().sequence(), statementCount, reason);
        NodeException lost = NodeException.unavailable("queued writes were lost: " + reason);
        for (Queued q : batch) {
            q.ticket().applied().completeExceptionally(lost);
        }
    }

    /** Stops taking requests; those still waiting are lost (logged and counted), as in rqlite. */
    @Override
    public void close() throws InterruptedException {
        List<Queued> left;
        synchronized (waiting) {
            open = false;
            left = new ArrayList<>(waiting);
            waiting.clear();
            waiting.notifyAll();
        }
        if (!left.isEmpty()) {
            lose(left, left.stream().mapToInt(q -> q.request().statements().size()).sum(), "the node stopped");
        }
        thread.join(5000);
    }
}
