package io.halite.core.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tells whether a data directory takes writes again after a failure: it has room for a new Raft log segment, and
 * a file written and fsynced there survives.
 */
final class StorageProbe {
    private static final int PROBE_BYTES = 1 << 20;

    private final Path directory;
    private final long neededBytes;

    StorageProbe(Path directory, long neededBytes) {
        this.directory = directory;
        this.neededBytes = neededBytes;
    }

    /** @return null if the directory takes writes, else why not */
    String problem() {
        Path probe = directory.resolve(".storage-probe");
        try {
            long usable = Files.getFileStore(directory).getUsableSpace();
            if (usable < neededBytes) {
                return usable + " bytes free in " + directory + ", less than the " + neededBytes
                        + " a new log segment needs";
            }
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer zeros = ByteBuffer.allocate(PROBE_BYTES);
                while (zeros.hasRemaining()) {
                    channel.write(zeros);
                }
                channel.force(true);
            }
            return null;
        } catch (IOException e) {
            return "writing " + probe + " failed: " + e.getMessage();
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // the next probe tries again
            }
        }
    }
}
