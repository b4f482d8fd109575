package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node leaves at most one copy of SQLite's native library in the temporary directory however often it stops,
 * cleanly or by SIGKILL (sqlite-jdbc extracts a 1 MB copy at every start and removes it only at a normal JVM exit,
 * which a node never has).
 */
class SqliteLibraryDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void restartsCleanOrKilledLeaveOneCopyOfTheNativeLibrary() throws Exception {
        Path temporary = Files.createDirectories(dir.resolve("tmp"));
        try (ServerProcess node = new ServerProcess(dir.resolve("data"), dir.resolve("logs"))) {
            node.systemProperty("java.io.tmpdir", temporary.toString());
            node.start();
            assertThat(libraries(temporary)).hasSize(1);
            Path directory = libraries(temporary).get(0).getParent();
            assertThat(directory.getParent()).isEqualTo(temporary);
            assertThat(directory.getFileName().toString()).matches("halite-sqlite-[0-9a-f]{16}");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");

            assertThat(node.stop()).isZero();
            node.start();
            assertThat(libraries(temporary)).as("after a clean stop and a start").hasSize(1)
                    .allMatch(library -> library.getParent().equals(directory));
            node.kill9();
            node.start();
            assertThat(libraries(temporary)).as("after SIGKILL and a start").hasSize(1)
                    .allMatch(library -> library.getParent().equals(directory));

            // A directory others can write to is not used: a library there could be swapped before it is loaded.
            assertThat(node.stop()).isZero();
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            node.start();
            assertThat(Files.readString(node.logFile())).contains("SQLite's native library goes to " + temporary
                    + " and is left there at each stop: " + directory
                    + " is not a directory that only this user can write to");
            assertThat(libraries(temporary)).filteredOn(library -> library.getParent().equals(temporary)).hasSize(1);
        }
    }

    /** The native libraries sqlite-jdbc extracted under {@code temporary}, at any depth. */
    private static List<Path> libraries(Path temporary) throws Exception {
        try (Stream<Path> files = Files.walk(temporary)) {
            return files.filter(f -> f.getFileName().toString().endsWith("libsqlitejdbc.so")).toList();
        }
    }
}
