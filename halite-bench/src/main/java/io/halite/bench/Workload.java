package io.halite.bench;

import java.util.SplittableRandom;

/**
 * The shared benchmark workloads (see the benchmark README), plus {@code tx}: one operation's HTTP request, or its
 * JDBC calls (see {@link JdbcSession}).
 */
enum Workload {
    /** One {@code INSERT OR REPLACE} of a random 32-hex-char key and a 1024-char value per request. */
    KVWRITE("/db/execute", 1),
    /** One {@code SELECT v FROM kv WHERE k = ?} of a random existing key per request. */
    KVREAD("/db/query", 1),
    /** One request carrying 100 kvwrite statements as one atomic batch; ops count statements. */
    BATCH100("/db/execute?transaction", 100),
    /** An interactive transaction of one kvread and one kvwrite; JDBC only (it spans several HTTP requests). */
    TX(null, 1);

    static final int PRELOADED_ROWS = 100_000;
    static final String VALUE = "x".repeat(1024);
    static final String INSERT_SQL = "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)";
    static final String SELECT_SQL = "SELECT v FROM kv WHERE k = ?";
    private static final String INSERT = "[\"" + INSERT_SQL + "\",\"";

    final String path;
    final int statementsPerRequest;

    Workload(String path, int statementsPerRequest) {
        this.path = path;
        this.statementsPerRequest = statementsPerRequest;
    }

    String body(SplittableRandom random) {
        return switch (this) {
            case KVWRITE -> "[" + insert(randomKey(random)) + "]";
            case KVREAD -> "[[\"" + SELECT_SQL + "\",\"" + randomPreloadedKey(random) + "\"]]";
            case BATCH100 -> {
                StringBuilder b = new StringBuilder(110_000).append('[');
                for (int i = 0; i < 100; i++) {
                    b.append(i == 0 ? "" : ",").append(insert(randomKey(random)));
                }
                yield b.append(']').toString();
            }
            case TX -> throw new IllegalArgumentException("the tx workload runs through JDBC: add --client jdbc");
        };
    }

    static String insert(String key) {
        return INSERT + key + "\",\"" + VALUE + "\"]";
    }

    static String randomKey(SplittableRandom random) {
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }

    /** Whether runs of this workload read the preloaded rows. */
    boolean readsPreloaded() {
        return this == KVREAD || this == TX;
    }

    static String randomPreloadedKey(SplittableRandom random) {
        return preloadedKey(random.nextInt(PRELOADED_ROWS));
    }

    /** The i-th preloaded key: a fixed pseudo-random 32-hex-char string, the same in every run. */
    static String preloadedKey(int i) {
        return randomKey(new SplittableRandom(0x5EED_0000L + i));
    }
}
