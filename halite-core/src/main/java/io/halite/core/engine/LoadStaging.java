package io.halite.core.engine;

import io.halite.core.log.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The image of a {@code /db/load} being assembled from its log entries, in a file beside the database
 * ({@code <database>.load}). How far it got is kept in another small file ({@code <database>.load.progress}),
 * written once a chunk is fsynced and before the SQLite commit that records the chunk's entry as applied: a chunk
 * applied again after a crash is recognised as staged already, so the image is never appended twice.
 */
final class LoadStaging {
    static final String DATA_SUFFIX = ".load";
    static final String PROGRESS_SUFFIX = ".load.progress";

    /** What staging a chunk led to. */
    enum Outcome { MORE_TO_COME, COMPLETE, SUPERSEDED }

    /**
     * @param lastIndex the log index of the last chunk staged
     * @param complete  whether that chunk was the load's last: the image is whole
     */
    private record Progress(long loadId, int nextSequence, long bytes, long lastIndex, boolean complete) {
        static final Progress NONE = new Progress(0, 0, 0, 0, false);
    }

    private final Path data;
    private final Path progressFile;
    private Progress progress;

    /** Picks up a load staged before a restart; one whose image was swapped in already is cleared. */
    LoadStaging(Path database, long appliedIndex) throws IOException {
        this.data = Path.of(database + DATA_SUFFIX);
        this.progressFile = Path.of(database + PROGRESS_SUFFIX);
        this.progress = read();
        if (progress.complete() && progress.lastIndex() <= appliedIndex) {
            clear();
        }
    }

    /**
     * Whether, in the database as of log index {@code index}, a load has staged chunks that are not swapped in yet:
     * a copy of it would lack them. Its last chunk swaps the image in at that chunk's index.
     */
    boolean inProgressAt(long index) {
        return progress.loadId() != 0 && !(progress.complete() && progress.lastIndex() <= index);
    }

    /** The staged image, whole once {@link #stage} answered {@link Outcome#COMPLETE}. */
    Path image() {
        return data;
    }

    /** Continues a load found in a database written before the progress lived in its own file. */
    void resume(long loadId, int nextSequence, long bytes, long lastIndex) throws IOException {
        progress = new Progress(loadId, nextSequence, bytes, lastIndex, false);
        write();
    }

    /**
     * Appends the chunk of entry {@code index} to the image, unless it is staged already. A chunk that does not
     * follow the load being staged belongs to a load that a newer one superseded.
     */
    Outcome stage(long index, LogEntry.LoadChunk chunk) throws IOException {
        boolean sameLoad = progress.loadId() == chunk.loadId();
        if (sameLoad && chunk.sequence() < progress.nextSequence()) {
            return chunk.last() ? Outcome.COMPLETE : Outcome.MORE_TO_COME; // staged before a crash
        }
        if (chunk.sequence() == 0) {
            progress = new Progress(chunk.loadId(), 0, 0, index, false);
        } else if (!sameLoad || chunk.sequence() != progress.nextSequence()) {
            return Outcome.SUPERSEDED;
        }
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.truncate(progress.bytes());
            channel.position(progress.bytes());
            ByteBuffer buffer = ByteBuffer.wrap(chunk.data());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        progress = new Progress(chunk.loadId(), chunk.sequence() + 1, progress.bytes() + chunk.data().length, index,
                chunk.last());
        write();
        return chunk.last() ? Outcome.COMPLETE : Outcome.MORE_TO_COME;
    }

    /** Forgets the load: its image was swapped in or refused. */
    void clear() throws IOException {
        Files.deleteIfExists(progressFile);
        Files.deleteIfExists(data);
        progress = Progress.NONE;
    }

    private Progress read() throws IOException {
        String text;
        try {
            text = Files.readString(progressFile, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Progress.NONE;
        }
        String[] f = text.split(" ");
        try {
            return new Progress(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Boolean.parseBoolean(f[4]));
        } catch (RuntimeException e) {
            throw new IOException(progressFile + " is damaged: it should say how far a /db/load was staged");
        }
    }

    private void write() throws IOException {
        DurableFile.replace(progressFile, (progress.loadId() + " " + progress.nextSequence() + " " + progress.bytes()
                + " " + progress.lastIndex() + " " + progress.complete() + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
