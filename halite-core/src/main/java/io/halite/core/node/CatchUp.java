package io.halite.core.node;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * Whether a follower's data is current enough to serve as it is. It is not until it has applied what the leader
 * had applied when the follower first heard from it after starting (it may have come back empty, or from an old
 * copy), nor while it lags more than {@link #BEHIND_NANOS} behind the leader: it has not applied what the leader had
 * applied that long ago.
 */
final class CatchUp {
    static final long BEHIND_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long KEEP_NANOS = 2 * BEHIND_NANOS;

    private record Sample(long atNanos, long leaderApplied) {}

    private final Deque<Sample> samples = new ArrayDeque<>();
    private long firstTarget = -1;
    private boolean caughtUpSinceStart;

    /** The leader said, at {@code atNanos}, that it had applied up to {@code index}. */
    synchronized void leaderApplied(long index, long atNanos) {
        if (firstTarget < 0) {
            firstTarget = index;
        }
        samples.addLast(new Sample(atNanos, index));
        while (samples.size() > 1 && atNanos - samples.peekFirst().atNanos() > KEEP_NANOS) {
            samples.removeFirst();
        }
    }

    /** This node has been the leader, so it held everything committed at some point since it started. */
    synchronized void led() {
        caughtUpSinceStart = true;
    }

    /** How far the leader last said it had applied, or -1 if it never did. */
    synchronized long lastLeaderApplied() {
        return samples.isEmpty() ? -1 : samples.peekLast().leaderApplied();
    }

    /** When the leader last said how far it had applied, or -1 if it never did. */
    synchronized long lastHeardNanos() {
        return samples.isEmpty() ? -1 : samples.peekLast().atNanos();
    }

    /** @return null if a follower that has applied up to {@code applied} is current enough to serve, else why not */
    synchronized String lag(long applied, long nowNanos) {
        if (!caughtUpSinceStart) {
            if (firstTarget < 0) {
                return "catching up: this node has not heard from the leader since it started";
            }
            if (applied < firstTarget) {
                return "catching up: this node has applied the log up to index " + applied + ", the leader had "
                        + "applied " + firstTarget + " when this node started";
            }
            caughtUpSinceStart = true;
        }
        Sample due = null;
        for (Sample s : samples) {
            if (nowNanos - s.atNanos() >= BEHIND_NANOS) {
                due = s;
            }
        }
        if (due != null && applied < due.leaderApplied()) {
            return "catching up: this node has applied the log up to index " + applied + ", the leader had applied "
                    + due.leaderApplied() + " " + TimeUnit.NANOSECONDS.toSeconds(nowNanos - due.atNanos()) + " s ago";
        }
        return null;
    }
}
