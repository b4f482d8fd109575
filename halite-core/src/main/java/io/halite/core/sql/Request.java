package io.halite.core.sql;

import java.util.List;

/**
 * What one client request asks for: statements run in order. With {@code transaction} the request is all or
 * nothing; without it each statement stands alone and a failing one does not undo its neighbours.
 */
public record Request(List<Statement> statements, boolean transaction) {
    public Request {
        statements = List.copyOf(statements);
    }
}
