package io.halite.core.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves WAL content into the database file on a thread of its own. SQLite's automatic checkpoint would run on the
 * writer connection, stalling the log applier for tens of milliseconds (copying pages and two fsyncs) every few
 * hundred commits. A passive checkpoint runs alongside the writer and, with nothing new to copy, does no I/O.
 *
 * <p>How often it runs follows the write rate: each checkpoint aims to copy about {@link #FRAMES_PER_CHECKPOINT}
 * frames, waiting between {@link #SHORTEST} and {@link #LONGEST} after the previous one. It ends with an fsync of
 * the WAL and of the database file, and the Raft log's own fsync, on the same disk, waits behind it: under heavy
 * writes, a checkpoint every 200 ms made each of those fsyncs copy megabytes and held the log's fsync for 10-35 ms.
 * Smaller, more frequent ones keep that wait short; a light load still gets one every 200 ms.
 *
 * <p>Only when the WAL itself holds more than {@link #RESTART_FRAMES} frames (it has not been reset since, because
 * the writer outpaces the copy or a reader pins old frames) does a restarting checkpoint run, which holds writers
 * back until it is done. The WAL's frame count comes from the passive checkpoint's own answer; the WAL file's size
 * says nothing about it, since SQLite reuses the file from its start without shrinking it.
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    /** 64 MB of 4 KB pages. */
    static final long RESTART_FRAMES = 16_384;
    /** 2 MB of 4 KB pages. */
    static final long FRAMES_PER_CHECKPOINT = 512;
    static final Duration LONGEST = Duration.ofMillis(200);
    static final Duration SHORTEST = Duration.ofMillis(20);

    private final Connection connection;
    private final long longestNanos;
    private long lastWalFrames;
    private long lastRunNanos = System.nanoTime();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "halite-checkpoint");
        t.setDaemon(true);
        return t;
    });

    Checkpointer(Path database) throws SQLException {
        this(database, LONGEST);
    }

    /** @param longest the longest wait between checkpoints (tests shorten it) */
    Checkpointer(Path database, Duration longest) throws SQLException {
        this.connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
        }
        this.longestNanos = longest.toNanos();
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() does not wait for the next one
        timer.schedule(this::checkpoint, longestNanos, TimeUnit.NANOSECONDS);
    }

    private void checkpoint() {
        long walFrames = lastWalFrames;
        try (Statement s = connection.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                walFrames = r.next() ? r.getLong(2) : 0; // columns: busy, frames in the WAL, frames copied
            }
            if (walFrames > RESTART_FRAMES) {
                s.execute("PRAGMA wal_checkpoint(RESTART)");
            }
        } catch (Exception e) {
            LOG.warn("WAL checkpoint failed (it will be retried): {}", e.getMessage());
        }
        long now = System.nanoTime();
        long next = nextDelayNanos(walFrames, lastWalFrames, now - lastRunNanos, longestNanos);
        lastWalFrames = walFrames;
        lastRunNanos = now;
        try {
            timer.schedule(this::checkpoint, next, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // close() stopped the timer: no more checkpoints
        }
    }

    /**
     * How long to wait for the WAL to gain about {@link #FRAMES_PER_CHECKPOINT} frames, at the rate it grew since
     * the previous checkpoint: {@code walFrames} frames now against {@code previousWalFrames} then, {@code
     * elapsedNanos} apart. Under steady writes the WAL rarely starts over (a writer does so only when it begins just
     * after a checkpoint copied everything), so it holds what it held then plus the new frames. One that holds fewer
     * was started over in between, and all it holds is new; one started over that grew past the old count is taken
     * to have grown by less than it did, which makes one wait longer than it should.
     */
    static long nextDelayNanos(long walFrames, long previousWalFrames, long elapsedNanos, long longestNanos) {
        long added = walFrames >= previousWalFrames ? walFrames - previousWalFrames : walFrames;
        if (added <= 0) {
            return longestNanos;
        }
        double nanos = (double) elapsedNanos * FRAMES_PER_CHECKPOINT / added;
        return (long) Math.min(longestNanos, Math.max(SHORTEST.toNanos(), nanos));
    }

    @Override
    public void close() throws SQLException {
        timer.shutdown();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
