package io.halite.core.engine;

import java.io.IOException;
import org.sqlite.SQLiteException;

/**
 * The database on this node can no longer apply the log faithfully (disk full, I/O error, corruption). The node
 * must stop rather than record a result that other replicas would not.
 */
public final class NodeFailureException extends RuntimeException {
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_FULL = 13;

    public NodeFailureException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code failure} is the storage refusing a write (disk full, an I/O error), which freeing space or
     * repairing the disk cures, as opposed to an error of the process or of the data (out of memory, corruption).
     */
    public static boolean isStorageFailure(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof SQLiteException sqlite) {
                int primary = sqlite.getResultCode().code & 0xff;
                return primary == SQLITE_FULL || primary == SQLITE_IOERR;
            }
            if (e instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
