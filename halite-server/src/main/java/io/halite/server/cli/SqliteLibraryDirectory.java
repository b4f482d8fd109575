package io.halite.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where sqlite-jdbc extracts its native library for a node: one directory per data directory under the JVM's
 * temporary directory, emptied at each start. sqlite-jdbc extracts a 1 MB library under a new name at every start
 * and deletes it when the JVM exits normally, but a node always ends with a halt (a clean stop too, to exit with 0
 * rather than 143) and is sometimes killed, so without this every start would leave a library behind: a node in a
 * crash loop would fill its container's disk.
 */
final class SqliteLibraryDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteLibraryDirectory.class);
    private static final String PROPERTY = "org.sqlite.tmpdir";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private SqliteLibraryDirectory() {}

    /**
     * Points sqlite-jdbc at this data directory's library directory, after deleting what earlier starts left in it.
     * Must run before the first SQLite connection of the process. Leaves sqlite-jdbc's own choice alone when
     * {@value #PROPERTY} is set already, and, with a warning, when the directory cannot be prepared or is not this
     * user's alone (the temporary directory is shared, and a library loaded from a directory others can write to
     * could be swapped).
     */
    static void use(Path dataDir) {
        if (System.getProperty(PROPERTY) != null) {
            return;
        }
        Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        String unusable;
        try {
            Path directory = temporary.resolve("halite-sqlite-" + hash(dataDir.toRealPath().toString()));
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            if (ownedByThisUserAlone(directory, temporary)) {
                deleteFilesIn(directory);
                System.setProperty(PROPERTY, directory.toString());
                return;
            }
            unusable = directory + " is not a directory that only this user can write to";
        } catch (IOException e) {
            unusable = "cannot prepare a directory of its own: " + e;
        }
        LOG.warn("SQLite's native library goes to {} and is left there at each stop: {}", temporary, unusable);
    }

    private static void deleteFilesIn(Path directory) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory)) {
            for (Path leftover : leftovers) {
                if (Files.isRegularFile(leftover, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(leftover);
                }
            }
        }
    }

    private static boolean ownedByThisUserAlone(Path directory, Path temporary) throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        // The owner of a file this process creates is this process's user, even for a user with no name.
        Path probe = Files.createTempFile(temporary, "halite-owner", null);
        UserPrincipal self;
        try {
            self = Files.getOwner(probe);
        } finally {
            Files.delete(probe);
        }
        return Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).equals(self)
                && OWNER_ONLY.containsAll(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS));
    }

    private static String hash(String path) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
