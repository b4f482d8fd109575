package io.halite.core.node;

import java.time.Duration;
import java.util.Objects;

/**
 * How current a read must be, as its client asked: the one value the node decides a read by (see
 * {@link ReadPolicy}).
 *
 * @param level     where and when the read runs (see {@link ReadLevel})
 * @param freshness at level none, how long ago a follower may last have heard from the leader; null for no bound
 * @param strict    with a freshness bound: a follower must also have applied everything it knows to be committed
 * @param minIndex  a log index the client has seen (a write's, its read-your-writes token): the read waits until
 *                  this node has applied it; 0 for none
 */
public record ReadRequest(ReadLevel level, Duration freshness, boolean strict, long minIndex) {
    public ReadRequest {
        Objects.requireNonNull(level, "level");
        if (strict && freshness == null) {
            throw new IllegalArgumentException("a strict read needs a freshness bound");
        }
        if (minIndex < 0) {
            throw new IllegalArgumentException("minIndex must not be negative");
        }
    }

    /** A read at {@code level} with no freshness bound and no index to wait for. */
    public static ReadRequest at(ReadLevel level) {
        return new ReadRequest(level, null, false, 0);
    }

    /**
     * Whether this node's standing (a failed storage, catching up, how long since it heard from the leader) decides
     * if it may serve the read. Only level none reads local data unchecked; a read that names the index it needs
     * (min_index) without a freshness bound is current enough once that index is applied.
     */
    boolean checksStaleness() {
        return level == ReadLevel.NONE && (freshness != null || minIndex == 0);
    }
}
