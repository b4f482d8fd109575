package io.halite.core.sql;

import java.util.List;

/**
 * What one client request asks for: statements run in order. With {@code transaction} the request is all or
 * nothing; without it each statement stands alone and a failing one does not undo its neighbours. A
 * {@code readOnly} request (a strong read, which travels through the log) refuses statements that would write.
 */
public record Request(List<Statement> statements, boolean transaction, boolean readOnly) {
    public Request {
        statements = List.copyOf(statements);
    }

    public Request(List<Statement> statements, boolean transaction) {
        this(statements, transaction, false);
    }

    /** The same statements, refusing writes. */
    public Request asReadOnly() {
        return new Request(statements, transaction, true);
    }
}
