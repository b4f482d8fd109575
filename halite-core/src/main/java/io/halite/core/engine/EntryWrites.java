package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import java.util.List;

/**
 * What one log entry of client requests asks of the writer: its requests, applied in order with the entry's pinned
 * time and seed, each keeping its own atomicity and results.
 */
public interface EntryWrites {
    long stampMillis();

    long seed();

    /**
     * The most SQLite virtual machine steps any one statement of the entry may take; a statement that takes more is
     * stopped and fails, alike on every replica. Chosen by the proposing node.
     */
    long statementBudget();

    List<SqlRequest> requests();

    /**
     * Whether the entry applies to a database that holds the log up to {@code appliedIndex}. One that does not is
     * refused as a whole, alike on every replica (an interactive transaction whose base another entry changed).
     */
    default boolean appliesAfter(long appliedIndex) {
        return true;
    }
}
