package io.halite.core.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves WAL content into the database file on a thread of its own. SQLite's automatic checkpoint would run on the
 * writer connection, stalling the log applier for tens of milliseconds (copying pages and two fsyncs) every few
 * hundred commits. A passive checkpoint runs alongside the writer and, with nothing new to copy, does no I/O.
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
    private static final Duration EVERY = Duration.ofMillis(200);

    private final Connection connection;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-checkpoint");
        t.setDaemon(true);
        return t;
    });

    Checkpointer(Path database) throws SQLException {
        this(database, EVERY);
    }

    Checkpointer(Path database, Duration every) throws SQLException {
        this.connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
        }
        timer.scheduleWithFixedDelay(this::checkpoint, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        try (Statement s = connection.createStatement()) {
            long walFrames;
            try (ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                walFrames = r.next() ? r.getLong(2) : 0; // columns: busy, frames in the WAL, frames copied
            }
            if (walFrames > RESTART_FRAMES) {
                s.execute("PRAGMA wal_checkpoint(RESTART)");
            }
        } catch (Exception e) {
            LOG.warn("WAL checkpoint failed (it will be retried): {}", e.getMessage());
        }
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
