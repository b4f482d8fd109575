package io.halite.core.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;

/**
 * Whole database images as files: checking one, preparing one to be swapped in or adopted at a log position,
 * copying the live database out, and moving or deleting a closed database with Halite's files beside it.
 */
final class ImageFiles {
    /** The files of Halite's beside a database file (its log position, a load being staged). */
    private static final List<String> COMPANION_SUFFIXES =
            List.of(LogPosition.SUFFIX, LoadStaging.DATA_SUFFIX, LoadStaging.PROGRESS_SUFFIX);

    private ImageFiles() {}

    /** See {@link SqliteDatabase#checkImage}. */
    static void check(Path image) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image, config.toProperties());
             Statement s = c.createStatement()) {
            check(s);
        }
    }

    private static void check(Statement s) throws SQLException {
        String verdict;
        try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            verdict = rs.next() ? rs.getString(1) : "no result";
        } catch (SQLException e) {
            throw new SQLException("not a valid SQLite database: " + SqliteErrors.message(e), e);
        }
        if (!"ok".equals(verdict)) {
            throw new SQLException("the database image is damaged: " + verdict);
        }
    }

    /**
     * Checks {@code image} and readies it to be copied over the database that {@code writer} writes, as holding the
     * log up to {@code index}: SQLite's backup API cannot copy into a WAL database of another page size, so an
     * image of another page size is rebuilt to match.
     */
    static void prepareToSwapIn(Path image, Connection writer, long index) throws SQLException {
        try (Connection staged = DriverManager.getConnection("jdbc:sqlite:" + image);
             Statement s = staged.createStatement()) {
            check(s);
            s.execute("PRAGMA journal_mode = DELETE");
            int pageSize = pageSize(writer);
            if (pageSize(staged) != pageSize) {
                s.execute("PRAGMA page_size = " + pageSize);
                s.execute("VACUUM");
            }
            LogPosition.stamp(s, index);
        }
    }

    private static int pageSize(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA page_size")) {
            return rs.next() ? rs.getInt(1) : 4096;
        }
    }

    /**
     * Copies what {@code reader}'s open read snapshot sees to {@code target} with SQLite's online backup API (memory
     * use does not grow with the database), then clears the copy's log position stamp, checking first that it is
     * {@code index}'s: the copy holds nothing of Halite's.
     */
    static void copy(Connection reader, Path target, long index) throws SQLException {
        int rc = ((SQLiteConnection) reader).getDatabase().backup("main", target.toString(), null, 100, 100, -1);
        if (rc != 0) {
            throw new SQLException("backup failed with SQLite result code " + rc);
        }
        try (Connection copy = DriverManager.getConnection("jdbc:sqlite:" + target);
             Statement s = copy.createStatement()) {
            if (LogPosition.stampOf(s) != (int) index) {
                throw new IllegalStateException("the copy does not hold the snapshot it was taken from");
            }
            LogPosition.stamp(s, 0);
        }
    }

    /** See {@link SqliteDatabase#adoptImage}. */
    static void adopt(Path image, LogPosition.Point at) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + image);
             Statement s = c.createStatement()) {
            LogPosition.stamp(s, at.index());
        }
        LogPosition.write(image, at);
    }

    /** See {@link SqliteDatabase#moveFiles}. */
    static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        for (String suffix : COMPANION_SUFFIXES) {
            Path companion = Path.of(from + suffix);
            if (Files.exists(companion)) {
                Files.move(companion, Path.of(to + suffix), StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** See {@link SqliteDatabase#deleteFiles}. */
    static void delete(Path file) throws IOException {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Files.deleteIfExists(Path.of(file + suffix));
        }
        for (String suffix : COMPANION_SUFFIXES) {
            Files.deleteIfExists(Path.of(file + suffix));
        }
    }

    /** Bytes on disk: the database file plus its WAL. */
    static long sizeOnDisk(Path file) {
        long size = 0;
        for (String suffix : new String[] {"", "-wal"}) {
            try {
                size += Files.size(Path.of(file + suffix));
            } catch (IOException ignored) {
                // the WAL may not exist between checkpoints
            }
        }
        return size;
    }
}
