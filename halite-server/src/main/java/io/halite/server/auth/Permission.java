package io.halite.server.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a user may do, under rqlite's names where rqlite has one ({@code metrics} and {@code ui} are Halite's). */
public enum Permission {
    /** Everything. */
    ALL,
    /** Writes: /db/execute, writing /db/request, interactive transactions. */
    EXECUTE,
    /** Reads: /db/query, reading /db/request, /db/checksum. */
    QUERY,
    /** Replace the whole database: /db/load. */
    LOAD,
    /** Download the whole database: /db/backup (also how a node copies a member's database to catch up). */
    BACKUP,
    /** /status, /nodes, /backup/status. */
    STATUS,
    /** /readyz. */
    READY,
    /** Add a voting or non-voting member: /join. */
    JOIN,
    /** Add a non-voting member only. */
    JOIN_READ_ONLY,
    /** Take a member out: /remove. */
    REMOVE,
    /** Leadership operations (rqlite's leader stepdown); reserved, no endpoint needs it yet. */
    LEADER_OPS,
    /** Metrics; reserved for the metrics endpoint. */
    METRICS,
    /** The web console's pages (/console); what they show needs the permissions of the endpoints they call. */
    UI;

    /** The name in users files: lower case, '-' for '_' ({@code join-read-only}). */
    public String fileName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The permission a users file names.
     *
     * @throws IllegalArgumentException naming the valid names if there is none such
     */
    public static Permission named(String name) {
        for (Permission p : values()) {
            if (p.fileName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown permission '" + name + "'; valid permissions: "
                + Arrays.stream(values()).map(Permission::fileName).collect(Collectors.joining(", ")));
    }
}
