package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupTargetsTest {
    static final S3Settings S3 = new S3Settings(URI.create("http://127.0.0.1:9"), "us-east-1", true, "id", "secret");

    @TempDir
    Path temp;

    @Test
    void aFileUrlIsADirectoryCreatedIfMissing() throws Exception {
        Path directory = temp.resolve("a/b");

        try (BackupTarget target = BackupTargets.open(directory.toUri(), S3)) {
            assertThat(target).isInstanceOf(DirectoryTarget.class);
            assertThat(Files.isDirectory(directory)).isTrue();
        }
    }

    @Test
    void anS3UrlIsABucketAndAPrefix() throws Exception {
        try (BackupTarget target = BackupTargets.open(URI.create("s3://bucket/halite/prod/"), S3)) {
            assertThat(target).isInstanceOf(S3Target.class);
            assertThat(target.describe()).isEqualTo("s3://bucket/halite/prod");
        }
        try (BackupTarget target = BackupTargets.open(URI.create("s3://bucket"), S3)) {
            assertThat(target.describe()).isEqualTo("s3://bucket");
        }
    }

    @Test
    void refusesOtherUrls() {
        for (String url : List.of("backups", "/var/backups", "file:backups", "file://host/backups", "http://host/b",
                "s3:bucket", "s3:///prefix", "s3://bucket/a/../b", "s3://bucket/p?x=1")) {
            assertThatThrownBy(() -> BackupTargets.open(URI.create(url), S3))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--backup takes file:///path or s3://bucket/prefix, not '" + url + "'");
        }
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutBeingRepeated() {
        for (String url : List.of("s3://AKIAEXAMPLE:s3cr3t@bucket/p", "file://user:s3cr3t@host/backups")) {
            assertThatThrownBy(() -> BackupTargets.open(URI.create(url), S3))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--backup takes no credentials in its URL")
                    .hasMessageNotContaining("s3cr3t");
        }
    }
}
