package io.halite.core.engine;

import io.halite.core.sql.StatementResult;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries applied in the writer's open SQLite transaction, kept so that they can be applied again if SQLite
 * rolls that whole transaction back (ON CONFLICT ROLLBACK, RAISE(ROLLBACK), a write stopped by its budget): then
 * every entry of it is redone, with the statement that caused it failed as it failed.
 */
final class EntryGroup {
    /** Where an applied entry is recorded: the database's applied position. */
    interface Position {
        long appliedIndex();

        void applied(long index, long term);
    }

    private final WriterConnection writer;
    private final Position position;
    private final List<PendingEntry> entries = new ArrayList<>();

    EntryGroup(WriterConnection writer, Position position) {
        this.writer = writer;
        this.position = position;
    }

    /** See {@link SqliteDatabase#apply}. */
    List<List<StatementResult>> apply(long index, long term, EntryWrites batch) throws SQLException {
        PendingEntry entry = new PendingEntry(index, term, batch, position.appliedIndex());
        writer.beginIfNeeded();
        entries.add(entry);
        TransactionLost lost = applyPending(entry);
        while (lost != null) {
            // SQLite undid the whole transaction: redo every entry of it, with the statement that caused it
            // failed as it failed (unless its verdict must first be made exact by running it again).
            if (lost.conclusive()) {
                lost.entry().forcedResults.get(lost.part()).put(
                        WriterConnection.statementKey(lost.request(), lost.statement()), lost.result());
            }
            writer.transactionEnded();
            writer.beginIfNeeded();
            lost = null;
            for (PendingEntry pending : entries) {
                lost = applyPending(pending);
                if (lost != null) {
                    break;
                }
            }
        }
        return entry.results;
    }

    /** The open transaction committed or was given up: its entries are no longer needed. */
    void clear() {
        entries.clear();
    }

    /**
     * Applies one entry in the open transaction.
     *
     * @return null, or how SQLite rolled back the whole open transaction while applying it
     */
    private TransactionLost applyPending(PendingEntry entry) throws SQLException {
        EntryWrites batch = entry.batch;
        if (!batch.appliesAfter(entry.previousIndex)) {
            entry.results = List.of();
            position.applied(entry.index, entry.term);
            return null;
        }
        entry.results = new ArrayList<>();
        List<? extends EntryWrites.Part> parts = batch.parts();
        for (int p = 0; p < parts.size(); p++) {
            try {
                writer.runPart(parts.get(p), entry.forcedResults.get(p), entry.results);
            } catch (WriterConnection.RolledBack e) {
                return new TransactionLost(entry, p, e);
            }
        }
        position.applied(entry.index, entry.term);
        return null;
    }

    /** An entry applied in the open transaction, with results it must keep if re-applied. */
    private static final class PendingEntry {
        final long index;
        final long term;
        final EntryWrites batch;
        /** The applied index before this entry: what a transaction entry must find (kept for a re-apply). */
        final long previousIndex;
        /** For each part, the statements that SQLite's rollback of the whole transaction showed to fail, by key. */
        final List<Map<Long, StatementResult>> forcedResults = new ArrayList<>();
        List<List<StatementResult>> results;

        PendingEntry(long index, long term, EntryWrites batch, long previousIndex) {
            this.index = index;
            this.term = term;
            this.batch = batch;
            this.previousIndex = previousIndex;
            batch.parts().forEach(part -> forcedResults.add(new HashMap<>()));
        }
    }

    /**
     * SQLite rolled back the whole open transaction while applying request {@code request} of part {@code part} of
     * {@code entry}.
     */
    private record TransactionLost(PendingEntry entry, int part, int request, int statement, StatementResult result,
                                   boolean conclusive) {
        TransactionLost(PendingEntry entry, int part, WriterConnection.RolledBack cause) {
            this(entry, part, cause.request, cause.statement, cause.result, cause.conclusive);
        }
    }
}
