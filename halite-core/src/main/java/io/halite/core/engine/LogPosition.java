package io.halite.core.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Where a database stands in the log, kept without anything in the user's schema. Two records together are exact
 * after any crash:
 * <ul>
 *   <li>the database header's {@code application_id} field holds the low 32 bits of the applied index; it is written
 *   in the same SQLite transaction as the entries it counts, so it never disagrees with the data;</li>
 *   <li>a small file beside the database ({@code <database>.position}) holds a full index and its term at or below
 *   that, rewritten (atomically, fsynced) only once the database is durable up to it.</li>
 * </ul>
 * The applied index is the least index at or above the file's whose low 32 bits are the header's: exact as long as
 * fewer than 2^32 entries separate two durable points (they are a few thousand apart). Its term is known when it is
 * the file's index; otherwise the log supplies it when the node replays that entry.
 */
public final class LogPosition {
    /** The term of an applied index that is not known yet (see {@link SqliteDatabase#learnTerm}). */
    public static final long UNKNOWN_TERM = -1;
    static final String SUFFIX = ".position";
    private static final String HEADER = "halite log position 1";

    private LogPosition() {}

    /** A log index and the term of the entry at it. */
    public record Point(long index, long term) {
        static final Point START = new Point(0, 0);
    }

    static Path fileOf(Path database) {
        return Path.of(database + SUFFIX);
    }

    /** The durable point recorded beside {@code database}, or the start of the log if none is. */
    static Point read(Path database) throws IOException {
        Path file = fileOf(database);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Point.START;
        }
        String[] lines = text.split("\n");
        try {
            if (lines.length != 3 || !lines[0].equals(HEADER) || !lines[1].startsWith("index=")
                    || !lines[2].startsWith("term=")) {
                throw new NumberFormatException();
            }
            return new Point(Long.parseLong(lines[1].substring(6)), Long.parseLong(lines[2].substring(5)));
        } catch (NumberFormatException e) {
            throw new IOException(file + " is damaged: it should hold the database's durable log position");
        }
    }

    /** Records {@code point} beside {@code database}; the database must already be durable up to it. */
    static void write(Path database, Point point) throws IOException {
        DurableFile.replace(fileOf(database), (HEADER + "\nindex=" + point.index() + "\nterm=" + point.term() + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the low 32 bits of {@code index} into the header, in the transaction open on {@code s}'s connection. */
    static void stamp(Statement s, long index) throws SQLException {
        s.execute("PRAGMA application_id = " + (int) index);
    }

    static int stampOf(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA application_id")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** The applied index whose low 32 bits are {@code stamp}, at or above the durable point {@code base}. */
    static long applied(long base, int stamp) {
        return base + Integer.toUnsignedLong(stamp - (int) base);
    }
}
