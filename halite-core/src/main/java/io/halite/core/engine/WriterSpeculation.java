package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An interactive transaction running ahead of the log on the writer (see {@link SqliteDatabase.Speculation}). */
final class WriterSpeculation implements SqliteDatabase.Speculation {
    private final WriterConnection writer;
    private final long stampMillis;
    private final long seed;
    private final long statementBudget;
    private final long baseIndex;
    private final List<SqlRequest> recorded = new ArrayList<>();
    private boolean open = true;

    /** The writer's transaction is open, with the entry's time, seed and budget set. */
    WriterSpeculation(WriterConnection writer, long stampMillis, long seed, long statementBudget, long baseIndex) {
        this.writer = writer;
        this.stampMillis = stampMillis;
        this.seed = seed;
        this.statementBudget = statementBudget;
        this.baseIndex = baseIndex;
    }

    @Override
    public long baseIndex() {
        return baseIndex;
    }

    @Override
    public long stampMillis() {
        return stampMillis;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public long statementBudget() {
        return statementBudget;
    }

    @Override
    public List<SqlRequest> writes() {
        return List.copyOf(recorded);
    }

    @Override
    public List<StatementResult> run(SqlRequest request) throws SQLException, SqliteDatabase.SpeculationLost {
        if (!open) {
            throw new IllegalStateException("the transaction has ended");
        }
        List<SqlStatement> requestWrites = new ArrayList<>();
        List<StatementResult> results;
        try {
            results = writer.runRequest(recorded.size(), request, requestWrites, Map.of());
        } catch (WriterConnection.RolledBack e) {
            open = false;
            writer.transactionEnded();
            throw new SqliteDatabase.SpeculationLost("SQLite rolled back the transaction: " + e.result.error());
        } catch (NodeStoppingException e) {
            end();
            throw new SqliteDatabase.SpeculationLost(e.getMessage());
        }
        boolean undone = request.transaction() && !results.isEmpty()
                && results.get(results.size() - 1) instanceof StatementResult.Failed;
        if (!requestWrites.isEmpty() && !undone) {
            recorded.add(new SqlRequest(requestWrites, request.transaction()));
        }
        return results;
    }

    @Override
    public void end() throws SQLException {
        if (!open) {
            return;
        }
        open = false;
        writer.rollback();
    }
}
