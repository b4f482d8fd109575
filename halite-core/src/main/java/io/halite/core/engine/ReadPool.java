package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;
import org.sqlite.SQLiteOpenMode;

/**
 * The read side of a database: a pool of read-only connections that serve reads from any thread, and one more that
 * only compiles statements to classify them.
 */
final class ReadPool implements AutoCloseable {
    private final int size;
    private final StatementPolicy policy;
    private final BlockingQueue<StatementRunner> idle;
    private final List<StatementRunner> all = new ArrayList<>();
    /** Compiles statements to classify them, apart from the pooled readers. */
    private final Connection inspector;

    ReadPool(Path file, int size, StatementPolicy policy, long statementBudget, BooleanSupplier stopping)
            throws SQLException {
        this.size = size;
        this.policy = policy;
        this.inspector = open(file);
        this.idle = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            StatementRunner reader = new StatementRunner(open(file), policy, StatementPolicy.Mode.READ,
                    statementBudget, stopping);
            all.add(reader);
            idle.add(reader);
        }
    }

    /** A read-only connection to {@code file}, outside the pool (the caller closes it). */
    static Connection open(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setOpenMode(SQLiteOpenMode.READONLY);
        config.resetOpenMode(SQLiteOpenMode.READWRITE);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setGetGeneratedKeys(false);
        config.setBusyTimeout(10_000);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        ((SQLiteConnection) c).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
        return c;
    }

    /** See {@link SqliteDatabase#isWrite}. */
    Boolean isWrite(String sql) {
        synchronized (inspector) {
            return policy.writes(inspector, sql);
        }
    }

    /** See {@link SqliteDatabase#query}. */
    List<StatementResult> query(SqlRequest request, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        StatementRunner reader = idle.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (reader == null) {
            throw new IllegalStateException("all " + size + " read connections stayed busy for "
                    + timeout.toMillis() + " ms");
        }
        reader.deadline(deadline);
        try (java.sql.Statement control = reader.connection().createStatement()) {
            boolean snapshot = request.statements().size() > 1;
            if (snapshot) {
                control.execute("BEGIN");
            }
            List<StatementResult> results = new ArrayList<>(request.statements().size());
            try {
                for (SqlStatement statement : request.statements()) {
                    results.add(reader.run(statement));
                }
            } finally {
                if (snapshot) {
                    control.execute("COMMIT");
                }
            }
            return results;
        } catch (SQLException e) {
            throw new IllegalStateException("read connection failed: " + SqliteErrors.message(e), e);
        } finally {
            reader.noDeadline();
            idle.add(reader);
        }
    }

    /** See {@link SqliteDatabase#refuseOverBudget}. */
    List<StatementResult> refuseOverBudget(SqlRequest request) throws InterruptedException {
        List<SqlStatement> statements = request.statements();
        for (int i = 0; i < statements.size(); i++) {
            if (!Boolean.FALSE.equals(isWrite(statements.get(i).sql()))) {
                continue;
            }
            StatementResult result = tryRead(statements.get(i));
            if (result instanceof StatementResult.Failed failed && failed.code() == SqliteErrors.INTERRUPT) {
                List<StatementResult> results = new ArrayList<>(statements.size());
                for (int j = 0; j < statements.size(); j++) {
                    results.add(j == i ? failed : StatementResult.Failed.refused("not run: statement " + (i + 1)
                            + " of the request exceeds its budget, so the request was refused before it reached "
                            + "the log", 0));
                }
                return results;
            }
        }
        return null;
    }

    /** Runs a read on a pooled connection, or returns null if none comes free soon (the try is only a prediction). */
    private StatementResult tryRead(SqlStatement statement) throws InterruptedException {
        StatementRunner reader = idle.poll(1, TimeUnit.SECONDS);
        if (reader == null) {
            return null;
        }
        try {
            return reader.run(statement);
        } finally {
            idle.add(reader);
        }
    }

    String sqliteVersion() {
        try (java.sql.Statement s = all.get(0).connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT sqlite_version()")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            return "";
        }
    }

    @Override
    public void close() throws SQLException {
        for (StatementRunner reader : all) {
            reader.close();
            reader.connection().close();
        }
        inspector.close();
    }
}
