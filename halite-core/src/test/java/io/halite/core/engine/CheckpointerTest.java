package io.halite.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WAL checkpoints run beside the writer and hold it back only when the WAL itself is long. */
class CheckpointerTest {
    @TempDir
    Path dir;

    private static Connection open(Path file) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("PRAGMA busy_timeout = 10000");
        }
        return c;
    }

    private static long walFrames(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            r.next();
            return r.getLong(2);
        }
    }

    /**
     * SQLite reuses a WAL file from its start without shrinking it, so a file that once grew past the restart limit
     * stays that long. A restarting checkpoint waits for readers on old snapshots and blocks writers meanwhile: taken
     * on the file's size, it would stall the writer behind every long read, every 200 ms.
     */
    @Test
    void aLongWalFileWhoseFramesAreCopiedDoesNotHoldTheWriterBehindAReader() throws Exception {
        Path file = dir.resolve("db.sqlite");
        try (Connection writer = open(file); Connection reader = open(file)) {
            try (Statement s = writer.createStatement()) {
                s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
                s.execute("BEGIN");
                // More than RESTART_FRAMES pages in one transaction: the WAL file grows past the limit.
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                        + (Checkpointer.RESTART_FRAMES + 1000) + ") INSERT INTO t(v) SELECT randomblob(3000) FROM n");
                s.execute("COMMIT");
            }
            long walBytes = Files.size(Path.of(file + "-wal"));
            assertThat(walBytes).isGreaterThan(Checkpointer.RESTART_FRAMES * 4096);
            try (Checkpointer ignored = new Checkpointer(file, Duration.ofMillis(20))) {
                // A checkpoint finds more than RESTART_FRAMES frames in the WAL and restarts it: wait for that.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (walFrames(writer) > 0 && System.nanoTime() < deadline) {
                    try (Statement s = writer.createStatement()) {
                        s.execute("INSERT INTO t(v) VALUES (x'00')");
                    }
                    Thread.sleep(20);
                }
                try (Statement s = writer.createStatement()) {
                    s.execute("INSERT INTO t(v) VALUES (x'01')");
                }
                assertThat(walFrames(writer)).isLessThan(100);
                assertThat(Files.size(Path.of(file + "-wal"))).isEqualTo(walBytes);

                // A reader holds an old snapshot while the writer goes on for a second: many checkpoints pass.
                try (Statement r = reader.createStatement()) {
                    r.execute("BEGIN");
                    try (ResultSet rows = r.executeQuery("SELECT count(*) FROM t")) {
                        rows.next();
                    }
                    long start = System.nanoTime();
                    try (Statement s = writer.createStatement()) {
                        for (int i = 0; i < 50; i++) {
                            s.execute("INSERT INTO t(v) VALUES (x'02')");
                            Thread.sleep(20);
                        }
                    }
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    r.execute("COMMIT");
                    assertThat(took).isLessThan(Duration.ofSeconds(5));
                }
            }
        }
    }

    /**
     * The next checkpoint comes when the WAL should hold about FRAMES_PER_CHECKPOINT new frames at the rate it grew,
     * within SHORTEST and LONGEST, so a heavy writer gets small checkpoints often and a light one every 200 ms.
     */
    @Test
    void checkpointsComeSoonerTheFasterTheWalGrows() {
        long longest = Checkpointer.LONGEST.toNanos();
        long hundredMillis = Duration.ofMillis(100).toNanos();
        // 1,024 frames in 100 ms: 512 more in 50 ms.
        assertThat(Checkpointer.nextDelayNanos(1_024, 0, hundredMillis, longest))
                .isEqualTo(Duration.ofMillis(50).toNanos());
        // Grown from 1,000 to 2,024: the same rate.
        assertThat(Checkpointer.nextDelayNanos(2_024, 1_000, hundredMillis, longest))
                .isEqualTo(Duration.ofMillis(50).toNanos());
        // Fewer frames than before: the WAL started over, and all 256 are new; 512 would take 200 ms.
        assertThat(Checkpointer.nextDelayNanos(256, 4_000, hundredMillis, longest)).isEqualTo(longest);
        // A trickle, or nothing at all: the longest wait.
        assertThat(Checkpointer.nextDelayNanos(10, 0, hundredMillis, longest)).isEqualTo(longest);
        assertThat(Checkpointer.nextDelayNanos(300, 300, hundredMillis, longest)).isEqualTo(longest);
        // A flood: never more often than the shortest wait.
        assertThat(Checkpointer.nextDelayNanos(100_000, 0, hundredMillis, longest))
                .isEqualTo(Checkpointer.SHORTEST.toNanos());
        // A test's shorter longest wait bounds it even below the shortest.
        assertThat(Checkpointer.nextDelayNanos(100_000, 0, hundredMillis, Duration.ofMillis(5).toNanos()))
                .isEqualTo(Duration.ofMillis(5).toNanos());
    }
}
