package io.halite.server.http;

import io.halite.core.node.ReadLevel;
import io.halite.core.node.ReadRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Each endpoint's query parameters, parsed and checked in one place: one record per endpoint, built from the raw
 * query string before the endpoint reads its body or asks the node anything, so a malformed or contradictory
 * parameter is refused (400) before anything runs. Which names an endpoint accepts is declared here too; others
 * are ignored, as rqlite ignores them (see {@link QueryParams}).
 */
final class EndpointParams {
    /** The default for how long a request may wait for its statements, the log or a member. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Set<String> STATEMENT_NAMES = Set.of("pretty", "timings", "timeout", "redirect",
            "transaction", "associative", "blob_array", "error_codes", "stored_values", "raft_index", "tx");
    private static final Set<String> READ_NAMES = Set.of("level", "freshness", "freshness_strict", "min_index");
    /** Parameters that choose where and when to read; a transaction reads on the leader, inside itself. */
    private static final List<String> NOT_IN_TX = List.of("level", "freshness", "freshness_strict", "min_index",
            "redirect");

    private EndpointParams() {}

    /** What {@code /db/execute}, {@code /db/query} and {@code /db/request} share. */
    record Statements(ResultsJson.Style style, Duration timeout, boolean redirect, boolean transaction,
                      boolean raftIndex, String tx) {
        /** Whether the statements run inside the interactive transaction named by {@link #tx}. */
        boolean inTransaction() {
            return tx != null;
        }

        private static Statements of(QueryParams params) {
            String tx = params.string("tx");
            if (tx != null) {
                for (String name : NOT_IN_TX) {
                    if (params.has(name)) {
                        throw ApiException.badRequest(name + " cannot be used with tx: a transaction reads and "
                                + "writes on the leader, inside itself");
                    }
                }
            }
            return new Statements(resultsStyle(params), params.duration("timeout", DEFAULT_TIMEOUT),
                    params.flag("redirect"), params.flag("transaction"), params.flag("raft_index"), tx);
        }
    }

    /**
     * How current a read must be: {@code level}, {@code freshness} (for level none; null if not given) with
     * {@code freshness_strict}, and the log index the node must have applied first ({@code min_index}, 0 for none).
     */
    private static ReadRequest readRequest(QueryParams params) {
        if (params.has("freshness_strict") && !params.has("freshness")) {
            throw ApiException.badRequest("freshness_strict requires freshness");
        }
        return new ReadRequest(params.level(), params.duration("freshness", null), params.flag("freshness_strict"),
                params.nonNegativeLong("min_index", 0));
    }

    /** {@code POST /db/execute}; {@code queue} and {@code wait} make it one of rqlite's queued writes. */
    record Execute(Statements statements, boolean queue, boolean waitForQueue) {
        private static final Set<String> NAMES = union(STATEMENT_NAMES, Set.of("queue", "wait"));

        static Execute parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            boolean queue = params.flag("queue");
            if (queue && params.flag("transaction")) {
                throw ApiException.badRequest("a queued write cannot be a transaction: queued requests are applied "
                        + "in batches, statement by statement; drop queue or transaction");
            }
            if (queue && params.has("tx")) {
                throw ApiException.badRequest("queue cannot be used with tx: an interactive transaction's "
                        + "statements run at once");
            }
            if (!queue && params.flag("wait")) {
                throw ApiException.badRequest("wait is for queued writes: use it together with queue");
            }
            return new Execute(Statements.of(params), queue, params.flag("wait"));
        }
    }

    /** {@code GET/POST /db/query}: {@code q} holds the statement of a GET (null if not given). */
    record Query(Statements statements, ReadRequest consistency, String q) {
        private static final Set<String> NAMES = union(STATEMENT_NAMES, union(READ_NAMES, Set.of("q")));

        static Query parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            return new Query(Statements.of(params), readRequest(params), params.string("q"));
        }
    }

    /** {@code POST /db/request}: reads and writes mixed; the consistency applies if it turns out to be a read. */
    record Unified(Statements statements, ReadRequest consistency) {
        private static final Set<String> NAMES = union(STATEMENT_NAMES, READ_NAMES);

        static Unified parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            return new Unified(Statements.of(params), readRequest(params));
        }
    }

    /** {@code POST /db/tx}: begins an interactive transaction, optionally running the body's statements in it. */
    record Begin(ResultsJson.Style style, Duration idleTimeout, Duration timeout, long minIndex,
                 boolean transaction) {
        private static final Set<String> NAMES = Set.of("pretty", "timeout", "idle_timeout", "min_index", "timings",
                "transaction", "associative", "blob_array", "error_codes", "stored_values");
        private static final Duration DEFAULT_IDLE = Duration.ofSeconds(10);
        private static final Duration MAX_IDLE = Duration.ofMinutes(10);

        static Begin parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            Duration idle = params.duration("idle_timeout", DEFAULT_IDLE);
            if (idle.isZero() || idle.isNegative() || idle.compareTo(MAX_IDLE) > 0) {
                throw ApiException.badRequest("idle_timeout must be more than 0 and at most "
                        + MAX_IDLE.toMinutes() + "m");
            }
            return new Begin(resultsStyle(params), idle, params.duration("timeout", DEFAULT_TIMEOUT),
                    params.nonNegativeLong("min_index", 0), params.flag("transaction"));
        }
    }

    /** {@code POST /db/load}. */
    record Load(ResultsJson.Style style, Duration timeout) {
        // Clients may send redirect here: it is checked as a flag, and changes nothing.
        private static final Set<String> NAMES = Set.of("pretty", "timings", "timeout", "redirect");
        /** A load ships the whole database through the log in chunks. */
        private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

        static Load parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            return new Load(resultsStyle(params), params.duration("timeout", DEFAULT_TIMEOUT));
        }
    }

    /** {@code GET /db/backup}: a SQLite file, or with {@code fmt=sql} a SQL dump. */
    record Backup(boolean sql) {
        // Clients may send redirect here: it is checked as a flag, and changes nothing (every node serves a copy).
        private static final Set<String> NAMES = Set.of("fmt", "redirect");

        static Backup parse(String rawQuery) {
            String format = QueryParams.parse(rawQuery, NAMES).string("fmt");
            if (format != null && !format.equals("binary") && !format.equals("sql")) {
                throw ApiException.badRequest("unsupported backup format '" + format
                        + "': use binary (the default) or sql");
            }
            return new Backup("sql".equals(format));
        }
    }

    /** The endpoints whose only option is {@code pretty}: /status, /db/checksum and /backup/status. */
    record Pretty(boolean pretty) {
        private static final Set<String> NAMES = Set.of("pretty");

        static Pretty parse(String rawQuery) {
            return new Pretty(QueryParams.parse(rawQuery, NAMES).flag("pretty"));
        }
    }

    /** {@code GET /nodes}: {@code timeout} bounds the wait for each member's answer. */
    record Nodes(boolean pretty, boolean nonVoters, boolean version2, Duration timeout) {
        private static final Set<String> NAMES = Set.of("pretty", "ver", "nonvoters", "timeout");
        private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

        static Nodes parse(String rawQuery) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            return new Nodes(params.flag("pretty"), params.flag("nonvoters"), "2".equals(params.string("ver")),
                    params.duration("timeout", DEFAULT_TIMEOUT));
        }
    }

    /** {@code GET /readyz}: {@code noleader} checks only the node itself. */
    record Readyz(boolean noLeader) {
        private static final Set<String> NAMES = Set.of("noleader");

        static Readyz parse(String rawQuery) {
            return new Readyz(QueryParams.parse(rawQuery, NAMES).flag("noleader"));
        }
    }

    /**
     * The endpoints whose options are {@code pretty} and a {@code timeout} with their own default: {@code /join},
     * {@code /remove}, {@code /leader} and the end of an interactive transaction.
     */
    record Timed(boolean pretty, Duration timeout) {
        private static final Set<String> NAMES = Set.of("pretty", "timeout");

        static Timed parse(String rawQuery, Duration defaultTimeout) {
            QueryParams params = QueryParams.parse(rawQuery, NAMES);
            return new Timed(params.flag("pretty"), params.duration("timeout", defaultTimeout));
        }
    }

    private static ResultsJson.Style resultsStyle(QueryParams params) {
        return new ResultsJson.Style(params.flag("pretty"), params.flag("timings"), params.flag("associative"),
                params.flag("blob_array"), params.flag("error_codes"), params.flag("stored_values"));
    }

    private static Set<String> union(Set<String> base, Set<String> more) {
        java.util.HashSet<String> all = new java.util.HashSet<>(base);
        all.addAll(more);
        return Set.copyOf(all);
    }
}
