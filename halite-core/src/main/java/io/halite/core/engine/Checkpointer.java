package io.halite.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves WAL content into the database file on a thread of its own. SQLite's automatic checkpoint would run on the
 * writer connection, stalling the log applier for tens of milliseconds (copying pages and two fsyncs) every few
 * hundred commits. A passive checkpoint runs alongside the writer; only if the WAL grows past
 * {@link #RESTART_BYTES} (the writer outpacing the copy) does a restarting checkpoint briefly hold writers back.
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    private static final long PASSIVE_BYTES = 4L << 20;
    private static final long RESTART_BYTES = 64L << 20;

    private final Path wal;
    private final Connection connection;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-checkpoint");
        t.setDaemon(true);
        return t;
    });

    Checkpointer(Path database) throws SQLException {
        this.wal = Path.of(database + "-wal");
        this.connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        try (java.sql.Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
        }
        timer.scheduleWithFixedDelay(this::checkpointIfNeeded, 200, 200, TimeUnit.MILLISECONDS);
    }

    private void checkpointIfNeeded() {
        try {
            long size = Files.exists(wal) ? Files.size(wal) : 0;
            if (size < PASSIVE_BYTES) {
                return;
            }
            try (java.sql.Statement s = connection.createStatement()) {
                s.execute(size > RESTART_BYTES ? "PRAGMA wal_checkpoint(RESTART)" : "PRAGMA wal_checkpoint(PASSIVE)");
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
