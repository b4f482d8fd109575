package io.halite.jdbc;

import java.sql.SQLException;

/** {@link java.sql.Wrapper} for the driver's classes: none wraps another object, each unwraps to itself. */
final class Wrapping {
    private Wrapping() {}

    static <T> T unwrap(Object self, Class<T> iface) throws SQLException {
        if (iface.isInstance(self)) {
            return iface.cast(self);
        }
        throw new SQLException(self.getClass().getSimpleName() + " is not a wrapper for " + iface.getName(), "HY000");
    }
}
