package io.halite.core.node;

import java.util.Locale;

/** Read consistency levels, named as rqlite names them. */
public enum ReadLevel {
    /** Read this node's data as it is. */
    NONE,
    /** Read on the leader, which checks its own belief that it still leads. */
    WEAK,
    /** Confirm leadership with a quorum (Raft ReadIndex), wait until applied, then read locally. */
    LINEARIZABLE,
    /** Send the read through the log like a write. */
    STRONG;

    /** Parses a level name; returns null for an unknown name. */
    public static ReadLevel parse(String name) {
        for (ReadLevel level : values()) {
            if (level.name().equals(name.toUpperCase(Locale.ROOT))) {
                return level;
            }
        }
        return null;
    }
}
