package io.halite.core.engine;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.LogEntry;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random workload for replica-determinism tests: random(), randomblob(), every date function with 'now',
 * DEFAULT CURRENT_TIMESTAMP and DEFAULT (random()), a trigger writing datetime('now'), INSERT ... SELECT ORDER BY
 * random(), failing statements, half-failing transactions and OR ROLLBACK.
 */
public final class RandomWorkload {
    private RandomWorkload() {}

    /** Tables, a trigger and a first row for {@link #request}. */
    public static final List<String> SCHEMA = List.of(
            "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
                    + " created TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()),"
                    + " tag BLOB DEFAULT (randomblob(4)), qty INTEGER CHECK (qty >= 0))",
            "CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, item_id INTEGER, at TEXT, noise BLOB)",
            "CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN"
                    + " INSERT INTO audit(item_id, at, noise) VALUES (new.id, datetime('now'), randomblob(8)); END",
            "CREATE TABLE times(id INTEGER PRIMARY KEY, dt TEXT, jd REAL, ue INTEGER, sf TEXT, d TEXT, t TEXT,"
                    + " cd TEXT, ct TEXT, rnd INTEGER, rb BLOB)",
            "CREATE TABLE picks(id INTEGER PRIMARY KEY, src INTEGER, note TEXT)",
            "CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP) WITHOUT ROWID",
            // id 1 exists from the start, so inserting id 1 again always fails
            "INSERT INTO items(id, name, qty) VALUES (1, 'first', 1)");

    private static final String INSERT_TIMES = "INSERT INTO times(dt, jd, ue, sf, d, t, cd, ct, rnd, rb) VALUES"
            + " (datetime('now'), julianday('now'), unixepoch('now'), strftime('%Y-%m-%d %H:%M:%f','now'),"
            + " date(), time(), CURRENT_DATE, CURRENT_TIME, random(), randomblob(16))";

    /** A random request; {@code next} gives fresh names. */
    public static SqlRequest randomRequest(Random rnd, int[] next) {
        return request(rnd.nextInt(KINDS), rnd, next);
    }

    /** How many kinds of request {@link #request} makes. */
    public static final int KINDS = 15;

    /** A request of the given kind (0 to {@link #KINDS} - 1); {@code next} gives fresh names. */
    public static SqlRequest request(int kind, Random rnd, int[] next) {
        switch (kind) {
            case 0, 1 -> { // plain insert; names from a small pool collide sometimes (UNIQUE violation)
                String name = rnd.nextInt(4) == 0 ? "pool-" + rnd.nextInt(20) : "item-" + next[0]++;
                return req(false, SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, ?)", name,
                        (long) rnd.nextInt(100)));
            }
            case 2 -> {
                return req(false, SqlStatement.of(INSERT_TIMES));
            }
            case 3 -> { // ORDER BY random() LIMIT in INSERT ... SELECT
                return req(false, SqlStatement.of("INSERT INTO picks(src, note) SELECT id, name || ':' || random()"
                        + " FROM items ORDER BY random() LIMIT " + (1 + rnd.nextInt(4))));
            }
            case 4 -> { // failing statements between good ones, not a transaction: neighbours stay
                return req(false,
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, -1)", "neg-" + next[0]++), // CHECK
                        SqlStatement.of("INSERT INTO items(id, name) VALUES (1, ?)", "dup-" + next[0]++), // PK
                        SqlStatement.of("INSERT INTO items(name) VALUES (NULL)"), // NOT NULL
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, 5)", "ok-" + next[0]++),
                        SqlStatement.of("INSERT INTO nosuchtable VALUES (1)"));
            }
            case 5 -> { // a transaction that fails halfway: nothing of it may remain
                return req(true,
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, 1)", "tx-" + next[0]++),
                        SqlStatement.of(INSERT_TIMES),
                        SqlStatement.of("INSERT INTO picks(src, note) SELECT id, 'tx' FROM items ORDER BY random() LIMIT 2"),
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, -5)", "txbad-" + next[0]++),
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, 2)", "txnever-" + next[0]++));
            }
            case 6 -> { // a transaction that succeeds
                return req(true,
                        SqlStatement.of("INSERT INTO items(name, qty) VALUES (?, 3)", "txok-" + next[0]++),
                        SqlStatement.of("UPDATE items SET r = random(), created = datetime('now', '+1 day') WHERE id = ?",
                                (long) (1 + rnd.nextInt(Math.max(1, next[0])))),
                        SqlStatement.of("INSERT OR REPLACE INTO kv(k, v) VALUES (?, hex(randomblob(6)))",
                                "k" + rnd.nextInt(10)));
            }
            case 7 -> {
                return req(false, SqlStatement.of("UPDATE items SET r = random(), tag = randomblob(3) WHERE id % 5 = ?",
                        (long) rnd.nextInt(5)));
            }
            case 8 -> {
                return req(false, SqlStatement.of("DELETE FROM picks WHERE id IN (SELECT id FROM picks ORDER BY random()"
                        + " LIMIT 2)"));
            }
            case 9 -> { // RETURNING: results carry pinned values
                return req(false, SqlStatement.of("INSERT INTO items(name) VALUES (?) RETURNING id, created, r, tag,"
                        + " julianday('now'), unixepoch(), time('now', 'start of day', '+3 hours')", "ret-" + next[0]++));
            }
            case 10 -> {
                return req(false, SqlStatement.of("INSERT OR REPLACE INTO kv(k, v) VALUES (?, strftime('%s %f', 'now'))",
                        "k" + rnd.nextInt(10)));
            }
            case 11 -> { // reads inside a write entry see the uncommitted state of the writer
                return req(false, SqlStatement.of("SELECT count(*), sum(qty), max(id) FROM items"),
                        SqlStatement.of("SELECT count(*) FROM audit"));
            }
            case 12 -> { // refused in writes: per-statement error, neighbours still applied
                return req(false, SqlStatement.of("INSERT INTO kv(k, v) VALUES (?, datetime('now', 'localtime'))",
                                "local-" + next[0]++),
                        SqlStatement.of("INSERT INTO kv(k, v) VALUES (?, datetime('now'))", "utcok-" + next[0]++));
            }
            case 14 -> { // an error raised inside a function (not a constraint): malformed JSON, sometimes
                return req(false, SqlStatement.of("INSERT OR REPLACE INTO kv(k, v) VALUES (?, json(?))",
                        "json" + rnd.nextInt(5), rnd.nextBoolean() ? "{\"n\":" + rnd.nextInt(100) + "}" : "{bad"));
            }
            default -> { // ON CONFLICT ROLLBACK undoes SQLite's whole transaction: other entries of the group
                // must be re-applied identically
                if (rnd.nextInt(3) != 0) {
                    return req(false, SqlStatement.of("INSERT INTO picks(src, note) VALUES (random(), 'before')"),
                            SqlStatement.of("INSERT OR ROLLBACK INTO items(id, name) VALUES (1, 'rollback')"),
                            SqlStatement.of("INSERT INTO picks(src, note) VALUES (random(), 'after')"));
                }
                return req(true, SqlStatement.of("INSERT INTO picks(src, note) VALUES (random(), 'txbefore')"),
                        SqlStatement.of("INSERT OR ROLLBACK INTO items(id, name) VALUES (1, 'rollback')"),
                        SqlStatement.of("INSERT INTO picks(src, note) VALUES (random(), 'txafter')"));
            }
        }
    }

    /** A batch entry as a replica reads it from the log: encoded and decoded. */
    public static LogEntry.Batch entry(long stamp, long budget, SqlRequest... requests) {
        LogEntry.Batch batch = new LogEntry.Batch(stamp, stamp, budget, List.of(requests));
        return (LogEntry.Batch) EntryCodec.decode(new ByteArrayInputStream(EntryCodec.encode(batch)));
    }

    /** Results in one line: rows, write summaries and errors with their codes. */
    public static String normalize(List<StatementResult> results) {
        List<String> out = new ArrayList<>();
        for (StatementResult r : results) {
            if (r instanceof StatementResult.Failed f) {
                out.add("error " + f.code() + ": " + f.error());
            } else if (r instanceof StatementResult.Exec e) {
                out.add("exec id=" + e.lastInsertId() + " n=" + e.rowsAffected());
            } else if (r instanceof StatementResult.Rows rows) {
                List<String> values = new ArrayList<>();
                rows.values().forEach(v -> values.add(java.util.Arrays.toString(v)));
                out.add("rows " + values);
            }
        }
        return String.join("; ", out);
    }

    public static SqlRequest req(boolean transaction, SqlStatement... statements) {
        return new SqlRequest(List.of(statements), transaction);
    }


    /** A random seed, or {@code -Dhalite.seed}; printed so that a failure can be replayed. */
    public static long seed() {
        String given = System.getProperty("halite.seed");
        long seed = given != null && !given.isBlank() ? Long.parseLong(given.trim()) : new Random().nextLong();
        System.out.println("seed=" + seed);
        return seed;
    }
}
