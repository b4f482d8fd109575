package io.halite.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The queue of rqlite-style queued writes, against a writer the test controls. */
class WriteQueueTest {
    private final List<SqlRequest> written = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<WriteOutcome>> outcomes = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger queueLogger = (Logger) LoggerFactory.getLogger(WriteQueue.class);

    @BeforeEach
    void captureLog() {
        log.start();
        queueLogger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        queueLogger.detachAppender(log);
    }

    /** A writer that records each batch and answers it when the test completes its future. */
    private CompletableFuture<WriteOutcome> heldWriter(SqlRequest request) {
        written.add(request);
        CompletableFuture<WriteOutcome> outcome = new CompletableFuture<>();
        outcomes.add(outcome);
        return outcome;
    }

    private static SqlRequest insert(String value) {
        return new SqlRequest(List.of(new SqlStatement("INSERT INTO t VALUES(?)", List.of(value), java.util.Map.of())),
                false);
    }

    private static WriteOutcome allApplied(SqlRequest batch, long index) {
        List<StatementResult> results = new ArrayList<>();
        batch.statements().forEach(s -> results.add(new StatementResult.Exec(1, 1, 0)));
        return new WriteOutcome(results, index);
    }

    private void awaitBatches(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (outcomes.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(outcomes).hasSize(n);
    }

    @Test
    void requestsQueuedWhileABatchIsWrittenGoTogetherInOrderInTheNextBatch() throws Exception {
        try (WriteQueue queue = new WriteQueue(this::heldWriter, 100, 1 << 20)) {
            WriteQueue.Ticket first = queue.enqueue(insert("a"));
            awaitBatches(1);
            WriteQueue.Ticket second = queue.enqueue(insert("b"));
            WriteQueue.Ticket third = queue.enqueue(insert("c"));
            assertThat(second.sequence()).isEqualTo(first.sequence() + 1);
            assertThat(third.sequence()).isEqualTo(first.sequence() + 2);
            assertThat(queue.stats().waiting()).isEqualTo(2);
            assertThat(queue.lastQueued()).isSameAs(third);

            outcomes.get(0).complete(allApplied(written.get(0), 7));
            assertThat(first.applied().get(5, TimeUnit.SECONDS)).isEqualTo(7);
            awaitBatches(2);
            assertThat(written.get(1).statements()).extracting(s -> s.params().get(0)).containsExactly("b", "c");
            assertThat(written.get(1).transaction()).isFalse();
            assertThat(second.applied()).isNotDone();
            outcomes.get(1).complete(allApplied(written.get(1), 8));
            assertThat(third.applied().get(5, TimeUnit.SECONDS)).isEqualTo(8);
            assertThat(second.applied().get()).isEqualTo(8);
            assertThat(queue.lastQueued().applied().get()).isEqualTo(8);
            assertThat(queue.stats()).isEqualTo(new WriteQueue.Stats(100, 128, 0, third.sequence(), 3, 0, 0));
        }
    }

    @Test
    void aFailingStatementIsLoggedAndCountedAndItsNeighboursApply() throws Exception {
        try (WriteQueue queue = new WriteQueue(this::heldWriter, 100, 1 << 20)) {
            WriteQueue.Ticket ticket = queue.enqueue(insert("a"));
            awaitBatches(1);
            outcomes.get(0).complete(new WriteOutcome(List.of(
                    new StatementResult.Failed("UNIQUE constraint failed: t.v", 19, 0)), 3));
            assertThat(ticket.applied().get(5, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(queue.stats().statementsFailed()).isEqualTo(1);
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("queued write "
                    + ticket.sequence() + " failed: UNIQUE constraint failed: t.v (statement: INSERT INTO t VALUES(?))");
        }
    }

    @Test
    void aBatchThatCannotBeWrittenIsLoggedCountedAndFailsItsTickets() throws Exception {
        try (WriteQueue queue = new WriteQueue(this::heldWriter, 100, 1 << 20)) {
            WriteQueue.Ticket ticket = queue.enqueue(insert("a"));
            awaitBatches(1);
            outcomes.get(0).completeExceptionally(NodeException.unavailable("no leader"));
            assertThatThrownBy(() -> ticket.applied().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(NodeException.class)
                    .hasRootCauseMessage("queued writes were lost: no leader");
            assertThat(queue.stats().statementsLost()).isEqualTo(1);
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("queued writes "
                    + ticket.sequence() + " to " + ticket.sequence() + " were lost (1 statements): no leader");
        }
    }

    @Test
    void aFullQueueRefusesWithA503AndATooLargeRequestWithA413() throws Exception {
        try (WriteQueue queue = new WriteQueue(this::heldWriter, 2, 200)) {
            queue.enqueue(insert("a"));
            awaitBatches(1); // "a" is being written; two more fill the queue
            queue.enqueue(insert("b"));
            queue.enqueue(insert("c"));
            assertThatThrownBy(() -> queue.enqueue(insert("d")))
                    .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.reason()).isEqualTo(NodeException.Reason.UNAVAILABLE))
                    .hasMessage("the write queue is full (2 requests waiting); retry later, or write without queue");
            assertThatThrownBy(() -> queue.enqueue(insert("x".repeat(100))))
                    .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.reason()).isEqualTo(NodeException.Reason.TOO_LARGE));
            outcomes.get(0).complete(allApplied(written.get(0), 1));
            awaitBatches(2);
            outcomes.get(1).complete(allApplied(written.get(1), 2));
        }
    }

    @Test
    void requestsStillWaitingWhenTheQueueClosesAreLostLoudly() throws Exception {
        WriteQueue queue = new WriteQueue(this::heldWriter, 100, 1 << 20);
        WriteQueue.Ticket writing = queue.enqueue(insert("a"));
        awaitBatches(1);
        WriteQueue.Ticket waiting = queue.enqueue(insert("b"));
        Thread closer = new Thread(() -> {
            try {
                queue.close(); // waits for the batch being written
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closer.start();
        assertThatThrownBy(() -> waiting.applied().get(5, TimeUnit.SECONDS))
                .hasRootCauseMessage("queued writes were lost: the node stopped");
        assertThat(queue.stats().statementsLost()).isEqualTo(1);
        assertThatThrownBy(() -> queue.enqueue(insert("c"))).hasMessage("node is shutting down");
        outcomes.get(0).complete(allApplied(written.get(0), 1));
        closer.join();
        assertThat(writing.applied().get()).as("the batch being written still completes").isEqualTo(1);
        assertThat(outcomes).hasSize(1);
    }
}
