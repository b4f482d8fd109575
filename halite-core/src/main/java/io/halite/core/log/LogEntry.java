package io.halite.core.log;

import io.halite.core.engine.EntryWrites;
import io.halite.core.engine.ImageChunk;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.sql.SqlRequest;
import java.util.List;

/**
 * One entry of the replicated log. The proposing node pins a UTC time and a random seed so that every replica
 * evaluates time and randomness identically while applying it.
 */
public sealed interface LogEntry {
    long stampMillis();

    long seed();

    /**
     * The statement budget of entries written before entries carried their own (format version 1). Fixed, since
     * every replica must replay those alike; it was the node's default budget then
     * ({@link SqliteDatabase.Options#DEFAULT_STATEMENT_BUDGET}).
     */
    long DEFAULT_STATEMENT_BUDGET = 5_000_000_000L;

    /** An entry of client requests, applied in order on the writer with the entry's pinned time and seed. */
    sealed interface Requests extends LogEntry, EntryWrites {}

    /** Client requests batched into one entry; each keeps its own atomicity and results. */
    record Batch(long stampMillis, long seed, long statementBudget, List<SqlRequest> requests) implements Requests {
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
    record Transaction(long stampMillis, long seed, long statementBudget, long baseIndex, List<SqlRequest> requests)
            implements Requests {
        public Transaction {
            requests = List.copyOf(requests);
        }

        /** The entry that commits an interactive transaction through the log, or null if it wrote nothing. */
        public static Transaction of(SqliteDatabase.Speculation speculation) {
            return speculation.writes().isEmpty() ? null : new Transaction(speculation.stampMillis(),
                    speculation.seed(), speculation.statementBudget(), speculation.baseIndex(), speculation.writes());
        }

        @Override
        public boolean appliesAfter(long appliedIndex) {
            return appliedIndex == baseIndex;
        }
    }

    /**
     * One piece of a database image that replaces the whole database ({@code /db/load}). Chunks of one load share
     * {@code loadId}; the one marked {@code last} swaps the image in on every replica.
     */
    record LoadChunk(long stampMillis, long seed, long loadId, int sequence, boolean last, byte[] data)
            implements LogEntry, ImageChunk {}
}
