package io.halite.core.node;

import java.io.IOException;

/**
 * A node's data directory belongs to another cluster than the members it would join: it must not start. The
 * message names both identities and the remedy, for the operator.
 */
public final class ForeignClusterException extends IOException {
    public ForeignClusterException(String message) {
        super(message);
    }
}
