package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The leader's chain of interactive transactions on the writer (see {@link SqliteDatabase.Speculation}): the
 * settled transactions, whose entries are on their way through the log, and the open one on top of them.
 *
 * <p>While live, the writer's SQLite transaction holds the chain's work: the settled transactions, then the open
 * one inside a savepoint. The applier takes the writer back whenever it applies an entry ({@link #suspend}: all of it
 * is rolled back); the next use replays the settled transactions and the open one's writes, exactly as their entries
 * will apply, which recreates what the open transaction saw.
 */
final class WriterSpeculation implements SqliteDatabase.Speculation {
    private static final String OPEN_SAVEPOINT = "halite_open_transaction";

    private final WriterConnection writer;
    private final long statementBudget;
    /** Read by the proposing side without the writer (the applier writes it). */
    private volatile long baseIndex;
    private final List<EntryWrites.Part> settled = new ArrayList<>();
    private Open open;
    /** Whether the writer's transaction holds the chain's work now. */
    private boolean live;
    private volatile boolean broken;
    private boolean ended;

    /** A transaction settled into the chain: what its part of a log entry applies. */
    private record Settled(long stampMillis, long seed, long statementBudget, List<SqlRequest> requests)
            implements EntryWrites.Part {}

    /** The open transaction: its pinned time and seed, and the requests that wrote, with only their writes. */
    private record Open(long stampMillis, long seed, List<SqlRequest> recorded) {}

    WriterSpeculation(WriterConnection writer, long statementBudget, long baseIndex) {
        this.writer = writer;
        this.statementBudget = statementBudget;
        this.baseIndex = baseIndex;
    }

    @Override
    public long baseIndex() {
        return baseIndex;
    }

    @Override
    public boolean broken() {
        return broken;
    }

    @Override
    public int settledCount() {
        return settled.size();
    }

    @Override
    public void open(long stampMillis, long seed) throws SQLException {
        requireUsable();
        if (open != null) {
            throw new IllegalStateException("a transaction is open already");
        }
        open = new Open(stampMillis, seed, new ArrayList<>());
        if (live) {
            writer.execute("SAVEPOINT " + OPEN_SAVEPOINT);
            writer.startEntry(stampMillis, seed, statementBudget);
        } else {
            replay();
        }
    }

    @Override
    public List<StatementResult> run(SqlRequest request) throws SQLException, SqliteDatabase.SpeculationLost {
        requireOpenOnUnbrokenChain();
        if (!live) {
            replay();
        }
        List<SqlStatement> requestWrites = new ArrayList<>();
        List<StatementResult> results;
        try {
            results = writer.runRequest(open.recorded.size(), request, requestWrites, Map.of());
        } catch (WriterConnection.RolledBack e) {
            // SQLite undid the settled transactions too: they are replayed at the next use.
            open = null;
            live = false;
            writer.transactionEnded();
            throw new SqliteDatabase.SpeculationLost("SQLite rolled back the transaction: " + e.result.error(), false);
        } catch (NodeStoppingException e) {
            end();
            throw new SqliteDatabase.SpeculationLost(e.getMessage(), false);
        }
        boolean undone = request.transaction() && !results.isEmpty()
                && results.get(results.size() - 1) instanceof StatementResult.Failed;
        if (!requestWrites.isEmpty() && !undone) {
            open.recorded.add(new SqlRequest(requestWrites, request.transaction()));
        }
        return results;
    }

    @Override
    public EntryWrites.Part settle() throws SQLException, SqliteDatabase.SpeculationLost {
        requireOpenOnUnbrokenChain();
        Open settling = open;
        open = null;
        if (live) {
            if (settling.recorded.isEmpty()) {
                writer.execute("ROLLBACK TO " + OPEN_SAVEPOINT); // reads only: leave no trace in the chain
            }
            writer.execute("RELEASE " + OPEN_SAVEPOINT);
        }
        if (settling.recorded.isEmpty()) {
            return null;
        }
        Settled part = new Settled(settling.stampMillis, settling.seed, statementBudget, List.copyOf(settling.recorded));
        settled.add(part);
        return part;
    }

    @Override
    public void abandon() throws SQLException {
        if (open == null) {
            return;
        }
        open = null;
        if (live) {
            writer.execute("ROLLBACK TO " + OPEN_SAVEPOINT);
            writer.execute("RELEASE " + OPEN_SAVEPOINT);
        }
    }

    @Override
    public void suspend() throws SQLException {
        if (live) {
            live = false;
            writer.rollback();
        }
    }

    @Override
    public void applied(long index, EntryWrites entry) {
        if (broken) {
            return;
        }
        List<? extends EntryWrites.Part> parts = entry == null ? List.of() : entry.parts();
        boolean ours = !parts.isEmpty() && parts.size() <= settled.size();
        for (int i = 0; ours && i < parts.size(); i++) {
            EntryWrites.Part mine = settled.get(i);
            EntryWrites.Part logged = parts.get(i);
            ours = mine.seed() == logged.seed() && mine.stampMillis() == logged.stampMillis()
                    && mine.requests().size() == logged.requests().size();
        }
        if (ours) {
            settled.subList(0, parts.size()).clear();
            baseIndex = index;
        } else {
            breakOff(); // another entry changed the base: every settled transaction's entry will be refused
        }
    }

    @Override
    public void breakOff() {
        broken = true;
        settled.clear();
    }

    @Override
    public void end() throws SQLException {
        if (ended) {
            return;
        }
        ended = true;
        open = null;
        settled.clear();
        suspend();
    }

    /**
     * Rebuilds the chain's work on the writer: the settled transactions as their entries will apply, then the open
     * transaction's writes the same way, inside its savepoint.
     */
    private void replay() throws SQLException {
        writer.beginIfNeeded();
        List<List<StatementResult>> ignored = new ArrayList<>();
        try {
            for (EntryWrites.Part part : settled) {
                writer.runPart(part, Map.of(), ignored);
            }
            if (open != null) {
                writer.execute("SAVEPOINT " + OPEN_SAVEPOINT);
                writer.runPart(new Settled(open.stampMillis, open.seed, statementBudget, open.recorded), Map.of(),
                        ignored);
            }
        } catch (WriterConnection.RolledBack e) {
            // Each of these ran before on this very state without SQLite rolling back: replay is not deterministic.
            writer.transactionEnded();
            throw new IllegalStateException("replaying the chain of interactive transactions made SQLite roll back: "
                    + e.result.error());
        }
        live = true;
    }

    /** @throws SqliteDatabase.SpeculationLost if the chain broke: the open transaction is undone */
    private void requireOpenOnUnbrokenChain() throws SQLException, SqliteDatabase.SpeculationLost {
        requireUsable();
        if (open == null) {
            throw new IllegalStateException("no transaction is open");
        }
        if (broken) {
            abandon();
            throw new SqliteDatabase.SpeculationLost(SqliteDatabase.Speculation.CONFLICT, true);
        }
    }

    private void requireUsable() {
        if (ended) {
            throw new IllegalStateException("the chain of transactions has ended");
        }
    }
}
