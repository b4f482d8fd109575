package io.halite.core.engine;

import java.sql.SQLException;
import org.sqlite.SQLiteException;

/** Turns sqlite-jdbc exceptions into the messages clients see, and tells node-level failures from SQL errors. */
final class SqliteErrors {
    /** SQLITE_INTERRUPT: the statement was stopped (see {@link StatementGuard}). */
    static final int INTERRUPT = 9;

    private SqliteErrors() {}

    /** SQLite's own message, without sqlite-jdbc's "[SQLITE_ERROR] SQL error or missing database (...)" wrapping. */
    static String message(SQLException e) {
        String message = e.getMessage();
        if (message == null) {
            return "unknown SQLite error";
        }
        int open = message.indexOf('(');
        if (message.startsWith("[SQLITE_") && open > 0 && message.endsWith(")")) {
            return message.substring(open + 1, message.length() - 1);
        }
        return message;
    }

    /** SQLite's primary result code of the error (as sqlite-jdbc reports it in getErrorCode), 1 if unknown. */
    static int primaryCode(SQLException e) {
        if (e instanceof SQLiteException sqlite) {
            return sqlite.getResultCode().code & 0xff;
        }
        return e.getErrorCode() > 0 ? e.getErrorCode() & 0xff : 1;
    }

    /**
     * Whether the error is about this node (disk full, I/O, corruption, memory) rather than the statement. Such an
     * error must stop the node: recording it as the statement's result would make this replica differ from others.
     */
    static boolean isNodeFailure(SQLException e) {
        // sqlite-jdbc reports a Java OutOfMemoryError (a blob too large for the heap) as an SQLException.
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof VirtualMachineError || String.valueOf(t.getMessage()).contains("java.lang.OutOfMemoryError")) {
                return true;
            }
        }
        if (!(e instanceof SQLiteException sqlite)) {
            return false;
        }
        int primary = sqlite.getResultCode().code & 0xff;
        return primary == 7 /* NOMEM */ || primary == 10 /* IOERR */ || primary == 11 /* CORRUPT */
                || primary == 13 /* FULL */ || primary == 14 /* CANTOPEN */ || primary == 26 /* NOTADB */;
    }
}
