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

    /**
     * The default statement budget, also used for entries written before entries carried their own: 5 billion
     * SQLite virtual machine steps. Measured on the development machine (2 cores, SQLite 3.54): a filtered scan of
     * a 1 GB table of 1 KB rows takes about 4 million steps, a GROUP BY over it 14 million, an INSERT ... SELECT of
     * 200,000 of its rows 3.2 million; a GROUP BY over a 1 GB table of 16-byte rows would take about 1 billion. A
     * recursive CTE that never ends runs about 150 million steps a second, so the default stops it after about 35 s.
     */
    long DEFAULT_STATEMENT_BUDGET = 5_000_000_000L;

    /** An entry of client requests, applied in order on the writer with the entry's pinned time and seed. */
    sealed interface Requests extends LogEntry {
        /**
         * The most SQLite virtual machine steps any one statement of the entry may take; a statement that takes
         * more is stopped and fails, alike on every replica. Chosen by the proposing node.
         */
        long statementBudget();

        List<Request> requests();
    }

    /** Client requests batched into one entry; each keeps its own atomicity and results. */
    record Batch(long stampMillis, long seed, long statementBudget, List<Request> requests) implements Requests {
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
    record Transaction(long stampMillis, long seed, long statementBudget, long baseIndex, List<Request> requests)
            implements Requests {
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
