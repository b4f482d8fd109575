package io.halite.core.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
    /** Writes of the progress file so far: the next goes to slot {@code writes % 2}. */
    private long writes;

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
    Outcome stage(long index, ImageChunk chunk) throws IOException {
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

    /**
     * The progress file has two slots, written in turn in place with one fsync (a rename and a directory fsync per
     * chunk slowed the applier enough for a follower's unapplied log to pile up in memory). A write torn by a crash
     * spoils only its own slot; the other holds the progress before that chunk, whose data is then staged again.
     */
    private static final int SLOT_BYTES = 64;

    private Progress read() throws IOException {
        byte[] file;
        try {
            file = Files.readAllBytes(progressFile);
        } catch (NoSuchFileException e) {
            return Progress.NONE;
        }
        Progress best = null;
        long bestWrite = -1;
        for (int slot = 0; slot + SLOT_BYTES <= file.length; slot += SLOT_BYTES) {
            ByteBuffer b = ByteBuffer.wrap(file, slot, SLOT_BYTES);
            long write = b.getLong();
            Progress p = new Progress(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.get() == 1);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(file, slot, SLOT_BYTES - 8);
            if (b.position(slot + SLOT_BYTES - 8).getLong() == crc.getValue() && write > bestWrite) {
                best = p;
                bestWrite = write;
            }
        }
        if (best == null) {
            if (file.length < 2 * SLOT_BYTES) {
                return Progress.NONE; // its first write was cut short: nothing was recorded, chunk 0 comes again
            }
            throw new IOException(progressFile + " is damaged: it should say how far a /db/load was staged");
        }
        writes = bestWrite + 1;
        return best;
    }

    private void write() throws IOException {
        ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
        slot.putLong(writes).putLong(progress.loadId()).putInt(progress.nextSequence()).putLong(progress.bytes())
                .putLong(progress.lastIndex()).put((byte) (progress.complete() ? 1 : 0));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(slot.array(), 0, SLOT_BYTES - 8);
        slot.putLong(SLOT_BYTES - 8, crc.getValue()).rewind();
        boolean created = !Files.exists(progressFile);
        try (FileChannel channel = FileChannel.open(progressFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(slot, (writes % 2) * SLOT_BYTES);
            channel.force(false);
        }
        if (created) {
            DurableFile.syncDirectory(progressFile);
        }
        writes++;
    }
}
