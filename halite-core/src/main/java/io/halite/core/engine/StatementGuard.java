package io.halite.core.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import org.sqlite.ProgressHandler;

/**
 * Stops a statement that runs too long, through SQLite's progress handler: past a budget of virtual machine steps,
 * or past a deadline, or because the node is shutting down. A step budget is deterministic (the same program on
 * the same data takes the same steps on every replica with the same SQLite build), so it can bound statements
 * applied from the log; a deadline is not, so only reads use one. A stopped statement fails with SQLITE_INTERRUPT.
 * Only a client's statement is stopped, never the node's own short bookkeeping around it: a failure there would
 * leave an entry applied in part, which only ending the process can clean up.
 *
 * <p>SQLite calls the handler every {@value #STEPS_PER_CALL} steps, counted from the prepared statement's first
 * run: for a statement prepared earlier and run again, the first call comes after fewer steps. So a budget stop is
 * exact only for a freshly prepared statement ({@link StatementRunner} re-runs the others freshly when it matters).
 */
final class StatementGuard extends ProgressHandler {
    /**
     * Steps between calls: each call is a JNI up-call. On the tightest loop there is (a recursive CTE counting to
     * 20 million, about 150 million steps a second) one call every 1,000 steps measured about 3% slower here;
     * statements that read or write rows spend far more per step. It stops a read within microseconds of its
     * deadline.
     */
    static final int STEPS_PER_CALL = 1000;

    /** Why the last statement was stopped. */
    enum Stop { NONE, BUDGET, DEADLINE, SHUTDOWN }

    private final BooleanSupplier shuttingDown;

    private long budgetSteps = Long.MAX_VALUE;
    private long callsLeft = Long.MAX_VALUE;
    private long pausedCallsLeft = Long.MAX_VALUE;
    private long deadlineNanos;
    private boolean hasDeadline;
    private Stop stopped = Stop.NONE;
    private boolean inStatement;

    static StatementGuard installOn(Connection connection, BooleanSupplier shuttingDown) throws SQLException {
        StatementGuard guard = new StatementGuard(shuttingDown);
        ProgressHandler.setHandler(connection, STEPS_PER_CALL, guard);
        return guard;
    }

    private StatementGuard(BooleanSupplier shuttingDown) {
        this.shuttingDown = shuttingDown;
    }

    /** Limits the statements that run from now on to {@code steps} each. */
    void budget(long steps) {
        budgetSteps = steps;
    }

    long budget() {
        return budgetSteps;
    }

    /** Also stops statements at {@code nanoTime} (a {@link System#nanoTime()} value) until {@link #noDeadline()}. */
    void deadline(long nanoTime) {
        deadlineNanos = nanoTime;
        hasDeadline = true;
    }

    void noDeadline() {
        hasDeadline = false;
    }

    /** Called before each statement runs: its budget starts afresh. */
    void startStatement() {
        callsLeft = budgetSteps / STEPS_PER_CALL;
        stopped = Stop.NONE;
        inStatement = true;
    }

    /**
     * Stops counting steps against the budget until {@link #resume()}: between the statements of one text, what
     * runs for the node itself (checking a statement's program, which a cache may or may not spare) must not count.
     */
    void pause() {
        pausedCallsLeft = callsLeft;
        callsLeft = Long.MAX_VALUE;
    }

    void resume() {
        callsLeft = pausedCallsLeft;
    }

    /** Called after the statement: what SQLite runs for the node itself (bookkeeping) is never stopped. */
    void endStatement() {
        inStatement = false;
    }

    Stop stopped() {
        return stopped;
    }

    @Override
    protected int progress() {
        if (!inStatement) {
            return 0;
        }
        if (--callsLeft < 0) {
            stopped = Stop.BUDGET;
            return 1;
        }
        if (hasDeadline && System.nanoTime() - deadlineNanos > 0) {
            stopped = Stop.DEADLINE;
            return 1;
        }
        if (shuttingDown.getAsBoolean()) {
            stopped = Stop.SHUTDOWN;
            return 1;
        }
        return 0;
    }
}
