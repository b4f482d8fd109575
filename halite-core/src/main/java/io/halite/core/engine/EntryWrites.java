package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import java.util.List;

/**
 * What one log entry of client requests asks of the writer: one or more parts applied in order, each with its own
 * pinned time, seed and statement budget, each request keeping its own atomicity and results. A batch of requests is
 * one part; a group of interactive transactions has one part per transaction.
 */
public interface EntryWrites {
    /** The parts, in the order they apply. */
    List<? extends Part> parts();

    /**
     * Whether the entry applies to a database that holds the log up to {@code appliedIndex}. One that does not is
     * refused as a whole, alike on every replica (interactive transactions whose base another entry changed).
     */
    default boolean appliesAfter(long appliedIndex) {
        return true;
    }

    /** Requests applied with one pinned time and seed. */
    interface Part {
        long stampMillis();

        long seed();

        /**
         * The most SQLite virtual machine steps any one statement of the part may take; a statement that takes more
         * is stopped and fails, alike on every replica. Chosen by the proposing node.
         */
        long statementBudget();

        List<SqlRequest> requests();
    }
}
