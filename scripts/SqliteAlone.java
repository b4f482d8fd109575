import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What SQLite itself does with the batch100 workload, in-process through sqlite-jdbc (the driver Halite uses): one
 * writer inserting kvwrite rows (32-hex-char key, 1024-char value, INSERT OR REPLACE) 100 per transaction, on a
 * table preloaded with 100,000 rows, in WAL mode with synchronous=NORMAL and a 16 MB page cache (as Halite's writer),
 * checkpointing as SQLite does by default. No network, no log, no replication: the ceiling an applier can approach.
 * Run by scripts/sqlite-alone-benchmarks.sh; prints one RESULT line.
 */
public class SqliteAlone {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        double seconds = Double.parseDouble(args[1]);
        String value = "x".repeat(1024);
        SplittableRandom random = new SplittableRandom(42);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA cache_size = -16384");
                s.execute("CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)")) {
                for (int i = 0; i < 100_000; i++) {
                    insertRow(insert, random, value);
                }
                c.commit();
                long[] latencies = new long[1 << 20];
                int transactions = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long now = start;
                while (now < end && transactions < latencies.length) {
                    for (int i = 0; i < 100; i++) {
                        insertRow(insert, random, value);
                    }
                    c.commit();
                    long after = System.nanoTime();
                    latencies[transactions++] = after - now;
                    now = after;
                }
                long[] sorted = Arrays.copyOf(latencies, transactions);
                Arrays.sort(sorted);
                System.out.printf("RESULT system=sqlite-jdbc-alone workload=batch100 nodes=1 clients=1 ops_per_s=%.0f"
                                + " p50_ms=%.3f p99_ms=%.3f errors=0%n",
                        transactions * 100 / ((now - start) / 1e9), sorted[transactions / 2] / 1e6,
                        sorted[(int) (transactions * 0.99)] / 1e6);
            }
        } finally {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Files.deleteIfExists(Path.of(file + suffix));
            }
        }
    }

    private static void insertRow(PreparedStatement insert, SplittableRandom random, String value) throws Exception {
        insert.setString(1, String.format("%016x%016x", random.nextLong(), random.nextLong()));
        insert.setString(2, value);
        insert.executeUpdate();
    }
}
