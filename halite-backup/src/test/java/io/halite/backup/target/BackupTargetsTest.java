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
    static final BackupTargets.Settings S3 = new BackupTargets.Settings(
            new S3Settings(URI.create("http://127.0.0.1:9"), "us-east-1", true, "id", "secret"),
            new AzureSettings(URI.create("http://127.0.0.1:9/account"), null, null, "a2V5"));

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
    void anAzureUrlIsAnAccountAContainerAndAPrefix() throws Exception {
        try (BackupTarget target = BackupTargets.open(URI.create("az://account/backups/halite/prod/"), S3)) {
            assertThat(target).isInstanceOf(AzureTarget.class);
            assertThat(target.describe()).isEqualTo("az://account/backups/halite/prod");
        }
        try (BackupTarget target = BackupTargets.open(URI.create("az://account/backups"), S3)) {
            assertThat(target.describe()).isEqualTo("az://account/backups");
        }
    }

    @Test
    void refusesOtherUrls() {
        for (String url : List.of("backups", "/var/backups", "file:backups", "file://host/backups", "http://host/b",
                "s3:bucket", "s3:///prefix", "s3://bucket/a/../b", "s3://bucket/p?x=1",
                "az:account", "az:///container", "az://account/c/a/../b", "az://account/c?sv=2024&sig=x")) {
            assertThatThrownBy(() -> BackupTargets.open(URI.create(url), S3))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--backup takes file:///path, s3://bucket/prefix or az://account/container/prefix, "
                            + "not '" + url + "'");
        }
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutBeingRepeated() {
        for (String url : List.of("s3://AKIAEXAMPLE:s3cr3t@bucket/p", "file://user:s3cr3t@host/backups",
                "az://s3cr3t@account/container")) {
            assertThatThrownBy(() -> BackupTargets.open(URI.create(url), S3))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--backup takes no credentials in its URL")
                    .hasMessageNotContaining("s3cr3t");
        }
    }

    @Test
    void anAzureUrlNamesAValidAccountAndContainer() {
        assertThatThrownBy(() -> BackupTargets.open(URI.create("az://account"), S3))
                .hasMessage("an az:// backup URL names a container: az://account/CONTAINER or "
                        + "az://account/CONTAINER/PREFIX, not 'az://account'");
        assertThatThrownBy(() -> BackupTargets.open(URI.create("az://Account_1/backups"), S3))
                .hasMessage("'Account_1' is not an Azure storage account name (3 to 24 lower-case letters and digits)");
        assertThatThrownBy(() -> BackupTargets.open(URI.create("az://account/Backups/p"), S3))
                .hasMessage("'Backups' is not an Azure container name (3 to 63 lower-case letters, digits and "
                        + "single hyphens)");
    }

    @Test
    void anAzureCredentialIsOneOfThree() {
        assertThatThrownBy(() -> new AzureSettings(null, "AccountName=a;AccountKey=k", null, "k"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("give one Azure credential: a connection string, a SAS token or an account key, not several");
    }
}
