package io.halite.core.log;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayInputStream;
import java.sql.SQLException;
import java.util.List;

/**
 * Turns log entries into database calls: the one path from the log to SQLite, taken alike by the state machine and
 * by a restore from a backup, so that both compute the same database from the same entries.
 */
public final class EntryApplier {
    private EntryApplier() {}

    /** Decodes the entry at {@code index} of the log and applies it (as the other {@code apply} does). */
    public static List<List<StatementResult>> apply(SqliteDatabase database, long index, long term, byte[] entry)
            throws SQLException {
        return apply(database, index, term, EntryCodec.decode(new ByteArrayInputStream(entry)));
    }

    /**
     * Applies the entry at {@code index} of the log in the database's open transaction and returns the results of
     * each of its requests. A chunk of a load answers as one request, with no results, or with one failed result
     * saying why the load was refused.
     *
     * @throws io.halite.core.engine.NodeFailureException if applying failed part-way; the database applies
     *                                                     nothing more
     */
    public static List<List<StatementResult>> apply(SqliteDatabase database, long index, long term, LogEntry entry)
            throws SQLException {
        if (entry instanceof LogEntry.Requests requests) {
            return database.apply(index, term, requests);
        }
        String refusal = database.applyLoadChunk(index, term, (LogEntry.LoadChunk) entry);
        return List.of(refusal == null ? List.of()
                : List.of(StatementResult.Failed.refused("load refused: " + refusal, 0)));
    }
}
