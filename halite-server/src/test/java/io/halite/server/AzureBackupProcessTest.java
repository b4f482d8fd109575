package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.backup.AzuriteServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous backup to Azure Blob Storage (Azurite) from a real {@code halite serve} process, and a point-in-time
 * {@code halite restore} from it; what {@code serve} says about Azure settings that cannot work.
 */
class AzureBackupProcessTest {
    private static AzuriteServer azurite;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final BackupApi api = new BackupApi();

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = new AzuriteServer();
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        azurite.close();
    }

    private String url(String prefix) {
        return "az://" + AzuriteServer.ACCOUNT + "/" + azurite.container() + "/" + prefix;
    }

    @Test
    void aNodeBacksUpToAzureAndRestoreReachesAPointInTime() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("account-key"), AzuriteServer.ACCOUNT_KEY + "\n");
        String backup = url("e2e");
        ServerProcess node = new ServerProcess(dir.resolve("data"), dir.resolve("logs"), "127.0.0.1",
                ServerProcess.freePort(), ServerProcess.freePort(),
                List.of("env", "HALITE_AZURE_ACCOUNT_KEY_FILE=" + keyFile),
                List.of("--backup", backup, "--backup-interval", "200ms",
                        "--azure-endpoint", azurite.endpoint().toString()));
        try (node) {
            node.start();
            api.write(node, "CREATE TABLE t(k TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP)");
            long index = 0;
            for (int i = 0; i < 5; i++) {
                index = api.write(node, "INSERT INTO t(k) VALUES('early-" + i + "')");
            }
            api.awaitStored(node, index);
            Thread.sleep(20);
            Instant between = Instant.now();
            Thread.sleep(20);
            for (int i = 0; i < 5; i++) {
                index = api.write(node, "INSERT INTO t(k) VALUES('late-" + i + "')");
            }
            JsonNode status = api.awaitStored(node, index);
            assertThat(status.path("target").asText()).isEqualTo(backup);
            assertThat(status.path("uploading").asBoolean()).isTrue();
            assertThat(status.path("last_error").isNull()).as("%s", status).isTrue();
            assertThat(status.path("lease").path("held").asBoolean()).isTrue();
            assertThat(Files.readString(node.logFile())).doesNotContain(AzuriteServer.ACCOUNT_KEY);
            assertThat(node.stop()).as("exit code after SIGTERM").isZero();

            // The restore reads the same account with a connection string, from the environment.
            Map<String, String> environment = Map.of("HALITE_AZURE_CONNECTION_STRING", azurite.connectionString());
            Path toTime = dir.resolve("restored-to-time");
            ServerProcess.CliResult restore = ServerProcess.runCli(dir.resolve("cli"), environment, "restore",
                    "--from", backup, "--data-dir", toTime.toString(), "--to-time", between.toString());
            assertThat(restore.exitCode()).as("%s", restore).isZero();
            assertThat(keys(toTime)).containsExactly("early-0", "early-1", "early-2", "early-3", "early-4");

            Path latest = dir.resolve("restored-latest");
            restore = ServerProcess.runCli(dir.resolve("cli"), environment, "restore", "--from", backup,
                    "--data-dir", latest.toString());
            assertThat(restore.exitCode()).as("%s", restore).isZero();
            assertThat(restore.stdout()).startsWith("restored " + latest + " to index " + index + " (written ");
            assertThat(keys(latest)).hasSize(10).endsWith("late-4");

            ServerProcess.CliResult list = ServerProcess.runCli(dir.resolve("cli"), environment, "backup", "list",
                    "--from", backup);
            assertThat(list.exitCode()).as("%s", list).isZero();
            assertThat(list.stdout()).contains(" " + index + " ");
        }
    }

    @Test
    void serveRefusesAzureSettingsThatCannotWorkNamingWhatIsWrong() throws Exception {
        Path data = dir.resolve("data");
        assertRefused(Map.of(), "an az:// backup URL names a container: az://devstoreaccount1/CONTAINER",
                "serve", "--data-dir", data.toString(), "--backup", "az://" + AzuriteServer.ACCOUNT);
        assertRefused(Map.of(), "'Not_An_Account' is not an Azure storage account name",
                "serve", "--data-dir", data.toString(), "--backup", "az://Not_An_Account/halite");
        assertRefused(Map.of(), "--azure-account-key is a secret: give it in HALITE_AZURE_ACCOUNT_KEY or in a file "
                        + "named by HALITE_AZURE_ACCOUNT_KEY_FILE, not on the command line",
                "serve", "--data-dir", data.toString(), "--backup", url("p"), "--azure-account-key", "c2VjcmV0");
        assertRefused(Map.of("HALITE_AZURE_ACCOUNT_KEY", "a2V5", "HALITE_AZURE_SAS_TOKEN", "sv=1&sig=c2VjcmV0"),
                "give one Azure credential: a connection string, a SAS token or an account key, not several",
                "serve", "--data-dir", data.toString(), "--backup", url("p"));
        assertRefused(Map.of("HALITE_AZURE_CONNECTION_STRING", azurite.connectionString()),
                "the backup URL names storage account 'otheraccount' but the Azure connection string is for "
                        + "'devstoreaccount1'",
                "serve", "--data-dir", data.toString(), "--backup", "az://otheraccount/halite/p");
        // DefaultAzureCredential limited to its environment variables (none set): no network is tried.
        assertRefused(Map.of("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential"),
                "no Azure credential for storage account 'devstoreaccount1': set HALITE_AZURE_CONNECTION_STRING, "
                        + "HALITE_AZURE_SAS_TOKEN or HALITE_AZURE_ACCOUNT_KEY (or the same with _FILE, naming a file "
                        + "that holds it), or run with a managed identity (DefaultAzureCredential found none: ",
                "serve", "--data-dir", data.toString(), "--backup", url("p"));
        assertThat(data.resolve("db")).as("nothing was created").doesNotExist();
    }

    private void assertRefused(Map<String, String> environment, String message, String... args) throws Exception {
        ServerProcess.CliResult run = ServerProcess.runCli(dir.resolve("cli"), environment, args);
        assertThat(run.exitCode()).as("%s", run).isEqualTo(2);
        assertThat(run.stderr()).contains(message).doesNotContain("Exception").doesNotContain("c2VjcmV0");
    }

    /** Column k of table t in the database restored into {@code dataDir}. */
    private static List<String> keys(Path dataDir) throws Exception {
        List<String> keys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("db/main.sqlite"));
             ResultSet rs = c.createStatement().executeQuery("SELECT k FROM t ORDER BY rowid")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }
}
