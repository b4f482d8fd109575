package io.halite.core.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Lets concurrent requests share rounds of a check whose answer holds for every request that arrived before the
 * round began, as a linearizable read may use the read index of any probe sent after the read arrived (it covers
 * every write acknowledged before the read began). While one round is out, the requests that arrive wait together
 * for the next one, begun as soon as the first ends: one round is out at a time, and it answers every request that
 * queued behind the one before. Without this, each read on a follower cost the leader a probe of its own.
 *
 * @param <T> a round's answer
 */
final class SharedRounds<T> {
    private final Supplier<CompletableFuture<T>> round;
    private boolean running;
    /** What the requests that arrived while a round was out wait for, or null if none did. */
    private CompletableFuture<T> waiting;

    /** @param round begins one round */
    SharedRounds(Supplier<CompletableFuture<T>> round) {
        this.round = round;
    }

    /** The answer of a round begun after now; fails as that round failed. */
    CompletableFuture<T> next() {
        CompletableFuture<T> answer;
        synchronized (this) {
            if (running) {
                if (waiting == null) {
                    waiting = new CompletableFuture<>();
                }
                return waiting;
            }
            running = true;
            answer = new CompletableFuture<>();
        }
        runFor(answer);
        return answer;
    }

    /** Runs a round for {@code answer}, then one for each batch that queued meanwhile, until none has. */
    private void runFor(CompletableFuture<T> answer) {
        for (CompletableFuture<T> target = answer; target != null; target = takeWaiting()) {
            CompletableFuture<T> begun;
            try {
                begun = round.get();
            } catch (RuntimeException e) {
                begun = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<T> batch = target;
            if (!begun.isDone()) {
                begun.whenComplete((value, error) -> {
                    settle(batch, value, error);
                    runFor(takeWaiting());
                });
                return;
            }
            begun.whenComplete((value, error) -> settle(batch, value, error));   // already done: runs now
        }
    }

    private static <T> void settle(CompletableFuture<T> answer, T value, Throwable error) {
        if (error != null) {
            answer.completeExceptionally(error);
        } else {
            answer.complete(value);
        }
    }

    /** The batch to run a round for next, or null (and no round out) if no request queued. */
    private synchronized CompletableFuture<T> takeWaiting() {
        CompletableFuture<T> queued = waiting;
        waiting = null;
        running = queued != null;
        return queued;
    }
}
