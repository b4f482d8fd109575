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

    /** An entry of client requests, applied in order on the writer with the entry's pinned time and seed. */
    sealed interface Requests extends LogEntry {
        List<Request> requests();
    }

    /** Client requests batched into one entry; each keeps its own atomicity and results. */
    record Batch(long stampMillis, long seed, List<Request> requests) implements Requests {
        public Batch {
            requests = List.copyOf(requests);
        }
    }

    /**
     * The writes of a committed interactive transaction. The leader ran them speculatively on a database that had
     * applied the log up to {@code baseIndex}; they apply, all together, only if the database is still there (no
     * other entry changed it since), so that every replica computes what the transaction's client saw. Otherwise
     * the whole entry is refused on every replica alike.
     */
    record Transaction(long stampMillis, long seed, long baseIndex, List<Request> requests) implements Requests {
        public Transaction {
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
