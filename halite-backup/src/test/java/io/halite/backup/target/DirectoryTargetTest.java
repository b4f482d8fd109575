package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DirectoryTargetTest extends BackupTargetContract {
    Path directory;

    @Override
    BackupTarget newTarget() throws Exception {
        directory = temp.resolve("backups");
        return new DirectoryTarget(directory);
    }

    @Test
    void leavesNoTemporaryFiles() throws Exception {
        target.put("wal/0001", new byte[] {1});
        target.put("wal/0002", Files.write(temp.resolve("f"), new byte[] {2}));

        try (Stream<Path> files = Files.walk(directory)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> directory.relativize(p).toString()))
                    .containsExactlyInAnyOrder("wal/0001", "wal/0002");
        }
    }

    @Test
    void listIgnoresTemporaryFilesLeftByACrash() throws Exception {
        target.put("wal/0001", new byte[] {1});
        Files.write(directory.resolve(".db.1f2e3d.tmp"), new byte[] {9});
        Files.write(directory.resolve("wal/.0002.4c5b6a.tmp"), new byte[] {9});

        assertThat(names("")).containsExactly("wal/0001");
        assertThat(names("wal/")).containsExactly("wal/0001");
    }

    @Test
    void describesItselfAsAFileUrl() {
        assertThat(target.describe()).isEqualTo(directory.toUri().toString());
    }
}
