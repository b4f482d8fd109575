package io.halite.core.log;

/**
 * The kinds of log entry, each with the byte that names it in the entry's header (after the format version). The
 * bytes are part of the log format: never renumber one.
 */
enum EntryKind {
    BATCH(1),
    LOAD_CHUNK(2),
    /** One interactive transaction. */
    TRANSACTION(3),
    /** Several interactive transactions, from entry format version 4. */
    TRANSACTIONS(4);

    final int wire;

    EntryKind(int wire) {
        this.wire = wire;
    }

    static EntryKind of(LogEntry entry) {
        if (entry instanceof LogEntry.Transactions transactions) {
            return transactions.transactions().size() == 1 ? TRANSACTION : TRANSACTIONS;
        }
        return entry instanceof LogEntry.Batch ? BATCH : LOAD_CHUNK;
    }

    /** @throws IllegalStateException for a byte that names no kind (an entry this node cannot apply) */
    static EntryKind fromWire(int wire) {
        for (EntryKind kind : values()) {
            if (kind.wire == wire) {
                return kind;
            }
        }
        throw new IllegalStateException("unknown log entry kind " + wire);
    }
}
