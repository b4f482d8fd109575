package io.halite.core.sql;

import java.util.List;

/**
 * What one client request asks for: statements run in order. With {@code transaction} the request is all or
 * nothing; without it each statement stands alone and a failing one does not undo its neighbours. A
 * {@code readOnly} request (a strong read, which travels through the log) refuses statements that would write.
 */
public record SqlRequest(List<SqlStatement> statements, boolean transaction, boolean readOnly) {
    public SqlRequest {
        statements = List.copyOf(statements);
    }

    public SqlRequest(List<SqlStatement> statements, boolean transaction) {
        this(statements, transaction, false);
    }

    /** The same statements, refusing writes. */
    public SqlRequest asReadOnly() {
        return new SqlRequest(statements, transaction, true);
    }
}
