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

    /** An entry of client requests, applied in order on the writer with pinned times and seeds. */
    sealed interface Requests extends LogEntry, EntryWrites {}

    /** Client requests batched into one entry; each keeps its own atomicity and results. */
    record Batch(long stampMillis, long seed, long statementBudget, List<SqlRequest> requests)
            implements Requests, EntryWrites.Part {
        public Batch {
            requests = List.copyOf(requests);
        }

        @Override
        public List<Batch> parts() {
            return List.of(this);
        }
    }

    /**
     * The writes of one committed interactive transaction, with the time and seed it ran with: its part of a
     * {@link Transactions} entry.
     */
    record Transaction(long stampMillis, long seed, long statementBudget, List<SqlRequest> requests)
            implements EntryWrites.Part {
        public Transaction {
            requests = List.copyOf(requests);
        }

        public static Transaction of(EntryWrites.Part settled) {
            return new Transaction(settled.stampMillis(), settled.seed(), settled.statementBudget(),
                    settled.requests());
        }
    }

    /**
     * Committed interactive transactions, in the order they ran. The leader ran each speculatively on a database
     * that had applied the log up to {@code baseIndex} plus the transactions before it in the entry; they apply, in
     * order, only if the database is still there (no other entry changed it since), so that every replica computes
     * what each transaction's client saw. Otherwise the whole entry is refused on every replica alike.
     */
    record Transactions(long baseIndex, List<Transaction> transactions) implements Requests {
        public Transactions {
            if (transactions.isEmpty()) {
                throw new IllegalArgumentException("an entry of transactions holds at least one");
            }
            transactions = List.copyOf(transactions);
        }

        /** The time of the latest transaction: the entry's time, for a restore to a point in time. */
        @Override
        public long stampMillis() {
            return transactions.stream().mapToLong(Transaction::stampMillis).max().orElseThrow();
        }

        @Override
        public long seed() {
            return transactions.get(0).seed();
        }

        @Override
        public List<Transaction> parts() {
            return transactions;
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
