package io.halite.core.log;

import io.halite.core.sql.Request;
import java.util.List;

/**
 * One entry of the replicated log. The proposing node pins a UTC time and a random seed so that every replica
 * evaluates time and randomness identically while applying it.
 */
public sealed interface LogEntry {
    long stampMillis();

    long seed();

    /** Client requests batched into one entry; each keeps its own atomicity and results. */
    record Batch(long stampMillis, long seed, List<Request> requests) implements LogEntry {
        public Batch {
            requests = List.copyOf(requests);
        }
    }

    /**
     * One piece of a database image that replaces the whole database ({@code /db/load}). Chunks of one load share
     * {@code loadId}; the one marked {@code last} swaps the image in on every replica.
     */
    record LoadChunk(long stampMillis, long seed, long loadId, int sequence, boolean last, byte[] data)
            implements LogEntry {}
}
