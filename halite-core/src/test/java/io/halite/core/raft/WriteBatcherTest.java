package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.log.LogEntry;
import io.halite.core.node.NodeException;
import io.halite.core.node.WriteOutcome;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher on its own: what goes into which entry, and who is answered with what. The Raft group is replaced
 * by a queue of proposals that the test commits or fails by hand; everything Raft does is covered by the cluster
 * tests.
 */
class WriteBatcherTest {
    private record Proposal(LogEntry.Batch entry, List<String> users, CompletableFuture<Proposer.Committed> reply,
                            Thread proposedOn) {}

    private final LinkedBlockingQueue<Proposal> proposals = new LinkedBlockingQueue<>();
    private final DistributionSummary perEntry = DistributionSummary.builder("requests").register(new SimpleMeterRegistry());
    private WriteBatcher batcher;

    private WriteBatcher batcher(int maxInFlight, long entryTargetBytes) {
        return batcher(() -> maxInFlight, entryTargetBytes);
    }

    private WriteBatcher batcher(IntSupplier maxInFlight, long entryTargetBytes) {
        batcher = new WriteBatcher((entry, users) -> {
            CompletableFuture<Proposer.Committed> reply = new CompletableFuture<>();
            proposals.add(new Proposal((LogEntry.Batch) entry, users, reply, Thread.currentThread()));
            return reply;
        }, maxInFlight, entryTargetBytes, 10_000, 1234, perEntry);
        return batcher;
    }

    @AfterEach
    void close() throws InterruptedException {
        if (batcher != null) {
            batcher.close();
        }
    }

    @Test
    void requestsThatArriveWhileAnEntryIsInFlightShareTheNextEntry() throws Exception {
        batcher(1, 1 << 20);
        CompletableFuture<WriteOutcome> first = batcher.submit(insert(1), "");
        Proposal p1 = next();
        List<CompletableFuture<WriteOutcome>> waiting = new ArrayList<>();
        for (int i = 2; i <= 4; i++) {
            waiting.add(batcher.submit(insert(i), ""));
        }
        assertThat(proposals.poll(200, TimeUnit.MILLISECONDS)).as("no second entry while one is in flight").isNull();

        commit(p1, 7);
        assertThat(first.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(7);
        Proposal p2 = next();
        assertThat(p2.entry().requests()).extracting(r -> r.statements().get(0).params().get(0))
                .containsExactly(2L, 3L, 4L);
        assertThat(p2.entry().statementBudget()).isEqualTo(1234);

        commit(p2, 8);
        for (int i = 0; i < 3; i++) {
            WriteOutcome outcome = waiting.get(i).get(5, TimeUnit.SECONDS);
            assertThat(outcome.raftIndex()).isEqualTo(8);
            assertThat(outcome.results()).containsExactly(new StatementResult.Exec(2L + i, 1, 0));
        }
        assertThat(perEntry.count()).isEqualTo(2);
        assertThat(perEntry.totalAmount()).isEqualTo(4);
    }

    @Test
    void anIdleBatcherProposesOnTheCallersThreadAndTheLastEntryInFlightIsAnsweredAtOnce() throws Exception {
        batcher(1, 1 << 20);
        Thread test = Thread.currentThread();
        CompletableFuture<WriteOutcome> first = batcher.submit(insert(1), "");
        Proposal p1 = proposals.poll();
        assertThat(p1).as("proposed before submit returned").isNotNull();
        assertThat(p1.proposedOn()).isSameAs(test);
        CompletableFuture<WriteOutcome> second = batcher.submit(insert(2), "");
        AtomicReference<Thread> firstAnsweredOn = new AtomicReference<>();
        first.whenComplete((outcome, error) -> firstAnsweredOn.set(Thread.currentThread()));

        commit(p1, 1);
        assertThat(first).as("answered by the thread that completed the entry, before it returned").isDone();
        assertThat(firstAnsweredOn.get()).isSameAs(test);
        Proposal p2 = next();
        assertThat(p2.proposedOn()).as("queued behind an entry in flight: the batcher proposes it")
                .isNotSameAs(test);
        commit(p2, 2);
        assertThat(second.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(2);
    }

    @Test
    void whileAnotherEntryIsInFlightClientsAreAnsweredOnTheReplyThread() throws Exception {
        batcher(2, 1 << 20);
        Thread test = Thread.currentThread();
        CompletableFuture<WriteOutcome> first = batcher.submit(insert(1), "");
        Proposal p1 = next();
        batcher.submit(insert(2), "");
        Proposal p2 = next();
        AtomicReference<Thread> firstAnsweredOn = new AtomicReference<>();
        first.whenComplete((outcome, error) -> firstAnsweredOn.set(Thread.currentThread()));

        commit(p1, 1);
        // Not first.get(): a thread waiting in get() may run the future's dependents itself.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (firstAnsweredOn.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(firstAnsweredOn.get()).isNotNull().isNotSameAs(test);
        assertThat(first.join().raftIndex()).isEqualTo(1);
        commit(p2, 2);
    }

    @Test
    void theLimitOfEntriesInFlightIsAskedBeforeEachEntry() throws Exception {
        AtomicInteger limit = new AtomicInteger(2);
        batcher(limit::get, 1 << 20);
        batcher.submit(insert(1), "");
        Proposal p1 = next();
        batcher.submit(insert(2), "");
        Proposal p2 = next();
        limit.set(1); // as when members join a node that was alone
        CompletableFuture<WriteOutcome> third = batcher.submit(insert(3), "");

        commit(p1, 1);
        assertThat(proposals.poll(200, TimeUnit.MILLISECONDS)).as("one entry is still in flight, the new limit")
                .isNull();
        commit(p2, 2);
        Proposal p3 = next();
        assertThat(p3.entry().requests()).extracting(r -> r.statements().get(0).params().get(0)).containsExactly(3L);
        commit(p3, 3);
        assertThat(third.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(3);
    }

    @Test
    void anEntryStopsGrowingAtItsTargetSize() throws Exception {
        long oneRequest = WriteBatcher.estimateSize(insert(1));
        batcher(1, 2 * oneRequest);
        batcher.submit(insert(0), "");
        Proposal blocker = next();
        for (int i = 1; i <= 5; i++) {
            batcher.submit(insert(i), "");
        }
        commit(blocker, 1);
        Proposal p = next();
        assertThat(p.entry().requests()).hasSize(2);
        commit(p, 2);
        assertThat(next().entry().requests()).hasSize(2);
    }

    @Test
    void aRequestLargerThanAnEntryMayBeIsRefusedAndNeverProposed() {
        batcher(4, 1 << 20);
        SqlRequest huge = new SqlRequest(List.of(SqlStatement.of("INSERT INTO t VALUES(?)", "x".repeat(5_000))), false);

        assertThatThrownBy(() -> batcher.submit(huge, "").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(NodeException.Reason.TOO_LARGE);
                    assertThat(e.getMessage()).contains("exceeds the limit of 10000 bytes for one log entry; split it");
                });
        assertThat(proposals).isEmpty();
    }

    @Test
    void anUnconfirmedEntryFailsEachOfItsRequestsAndTheNextEntryGoesOn() throws Exception {
        batcher(1, 1 << 20);
        CompletableFuture<WriteOutcome> a = batcher.submit(insert(1), "");
        Proposal p1 = next();
        CompletableFuture<WriteOutcome> b = batcher.submit(insert(2), "");
        p1.reply().completeExceptionally(new Proposer.NotConfirmed(false, "the leader did not answer in time"));

        assertThatThrownBy(() -> a.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(NodeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(NodeException.Reason.OUTCOME_UNKNOWN);
                    assertThat(e.getMessage()).isEqualTo("the write was not confirmed, so it may or may not have "
                            + "been applied: the leader did not answer in time");
                });
        commit(next(), 3);
        assertThat(b.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(3);
    }

    @Test
    void aPauseWaitsForEntriesInFlightAndHoldsNewRequestsUntilResumed() throws Exception {
        batcher(4, 1 << 20);
        batcher.submit(insert(1), "");
        Proposal inFlight = next();
        CompletableFuture<Boolean> paused = CompletableFuture.supplyAsync(() -> {
            try {
                return batcher.pause(5_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(paused).as("paused only once the entry in flight is answered").isNotDone();
        commit(inFlight, 1);
        assertThat(paused.get(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<WriteOutcome> held = batcher.submit(insert(2), "");
        assertThat(proposals.poll(200, TimeUnit.MILLISECONDS)).as("nothing proposed while paused").isNull();
        batcher.resume();
        commit(next(), 2);
        assertThat(held.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(2);
    }

    @Test
    void theUsersOfAnEntrysRequestsGoWithItAndARequestTheLeaderLeftOutIsRefused() throws Exception {
        batcher(1, 1 << 20);
        CompletableFuture<WriteOutcome> unnamed = batcher.submit(insert(1), "");
        Proposal p1 = next();
        assertThat(p1.users()).as("nobody named").isNull();
        CompletableFuture<WriteOutcome> alice = batcher.submit(insert(2), "alice");
        CompletableFuture<WriteOutcome> bob = batcher.submit(insert(3), "bob");
        CompletableFuture<WriteOutcome> anonymous = batcher.submit(insert(4), "");
        commit(p1, 7);
        assertThat(unnamed.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(7);

        Proposal p2 = next();
        assertThat(p2.users()).containsExactly("alice", "bob", "");
        // The leader refused Bob: his request was logged without statements, so it has no results.
        p2.reply().complete(new Proposer.Committed(List.of(List.of(new StatementResult.Exec(2, 1, 0)), List.of(),
                List.of(new StatementResult.Exec(4, 1, 0))), 8));
        assertThat(alice.get(5, TimeUnit.SECONDS).results()).containsExactly(new StatementResult.Exec(2, 1, 0));
        assertThat(anonymous.get(5, TimeUnit.SECONDS).raftIndex()).isEqualTo(8);
        assertThatThrownBy(() -> bob.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(NodeException.class)
                .hasMessage("the leader refused the request: its users do not allow user 'bob' to make it (this "
                        + "node's users file differs from the leader's)")
                .extracting(e -> ((NodeException) e).reason()).isEqualTo(NodeException.Reason.USER_REFUSED);
    }

    private Proposal next() throws InterruptedException {
        Proposal p = proposals.poll(5, TimeUnit.SECONDS);
        assertThat(p).as("an entry was proposed").isNotNull();
        return p;
    }

    /** Commits {@code p} at {@code index}, each request answered with an insert whose row id is its parameter. */
    private static void commit(Proposal p, long index) {
        List<List<StatementResult>> results = new ArrayList<>();
        for (SqlRequest r : p.entry().requests()) {
            results.add(List.of(new StatementResult.Exec((Long) r.statements().get(0).params().get(0), 1, 0)));
        }
        p.reply().complete(new Proposer.Committed(results, index));
    }

    private static SqlRequest insert(long id) {
        return new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(id) VALUES(?)", id)), false);
    }
}
