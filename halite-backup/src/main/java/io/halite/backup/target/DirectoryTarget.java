package io.halite.backup.target;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A directory on a local disk or a network mount (NFS, EFS, Azure Files). Each object is a file; a name with '/'
 * lives in sub-directories. A put writes a hidden temporary file beside the object, syncs it, renames it into place
 * and syncs the directory, so a reader sees the whole object or nothing, also after a crash.
 */
public final class DirectoryTarget implements BackupTarget {
    private final Path root;

    /** Opens {@code directory}, creating it if it is missing. */
    public DirectoryTarget(Path directory) throws IOException {
        Files.createDirectories(directory);
        // The real path, so that the walk in list() does not stop at a symbolic link to the directory.
        this.root = directory.toRealPath();
    }

    @Override
    public void put(String name, Path file) throws IOException {
        write(name, out -> Files.copy(file, out));
    }

    @Override
    public void put(String name, byte[] content) throws IOException {
        write(name, out -> out.write(content));
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private void write(String name, Content content) throws IOException {
        Path target = resolve(name);
        Path directory = target.getParent();
        createDirectories(directory);
        Path temporary = directory.resolve(
                "." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, CREATE_NEW, WRITE)) {
                content.writeTo(Channels.newOutputStream(channel));
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(directory);
    }

    /** Creates {@code directory} and its missing parents, syncing each parent so that the new entry is durable. */
    private static void createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) return;
        createDirectories(directory.getParent());
        try {
            Files.createDirectory(directory);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) throw e;
        }
        syncDirectory(directory.getParent());
    }

    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory, and some network file systems refuse to sync one; the file's content
            // is synced already, and the rename is then as durable as the file system makes it.
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(resolve(name));
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        int slash = ObjectNames.checkPrefix(prefix).lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<StoredObject> objects = new ArrayList<>();
        if (!Files.isDirectory(start)) return objects;
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                return !directory.equals(start) && isHidden(directory) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                String name = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (attributes.isRegularFile() && !isHidden(file) && name.startsWith(prefix)) {
                    objects.add(new StoredObject(name, attributes.size()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A temporary file renamed, or an object deleted, while the walk was under way.
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw e;
            }
        });
        objects.sort(Comparator.comparing(StoredObject::name));
        return objects;
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(resolve(name));
    }

    /**
     * Checks and writes while holding an exclusive lock on a hidden lock file in the object's directory (never
     * deleted: a process waiting for the lock of a deleted file would not exclude one that creates it anew). The lock keeps
     * out other processes (also on other machines, where the network file system honours locks, as NFSv4 and SMB
     * do), the monitor other threads of this one (a JVM holds a file's lock once).
     */
    @Override
    public boolean putIfAbsent(String name, byte[] content) throws IOException {
        Path target = resolve(name);
        createDirectories(target.getParent());
        Path lockFile = target.resolveSibling(".lock");
        synchronized (DirectoryTarget.class) {
            try (FileChannel lock = FileChannel.open(lockFile, CREATE, WRITE); FileLock held = lock.lock()) {
                if (Files.exists(target)) return hasContent(name, content);
                write(name, out -> out.write(content));
                return true;
            }
        }
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    @Override
    public void close() {}

    private Path resolve(String name) {
        Path path = root.resolve(ObjectNames.check(name));
        // A name like "C:x" is valid, but on Windows it would resolve outside the directory.
        if (!path.normalize().startsWith(root)) throw ObjectNames.invalid(name);
        return path;
    }
}
