package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class ServeEnvironmentTest {
    @TempDir
    Path dir;

    private static CommandLine serve(Map<String, String> environment) {
        CommandLine command = new CommandLine(new ServeCommand());
        command.setDefaultValueProvider(new EnvironmentOptions(environment, BackupStorageOptions.SECRET_OPTIONS));
        return command;
    }

    private static ServeCommand parse(Map<String, String> environment, String... args) {
        CommandLine command = serve(environment);
        command.parseArgs(args);
        return command.getCommand();
    }

    @Test
    void everyOptionIsReadFromItsHaliteVariableWithDashesAsUnderscores() {
        ServeCommand serve = parse(Map.of(
                "HALITE_PEERS", "halite-0@h0:4002,halite-1@h1:4002",
                "HALITE_STATEMENT_BUDGET", "1000",
                "HALITE_BACKUP", "file:///backups",
                "HALITE_ELECTION_TIMEOUT", "300ms",
                "HALITE_FOREIGN_KEYS", "true",
                "HALITE_MAX_BODY_SIZE", "1MB",
                "HALITE_S3_REGION", "eu-west-1",
                "HALITE_HTTP_CERT", "/tls/n1.crt",
                "HALITE_NODE_VERIFY_SERVER_NAME", "true"));

        assertThat(serve.peers).isEqualTo("halite-0@h0:4002,halite-1@h1:4002");
        assertThat(serve.statementBudget).isEqualTo(1000);
        assertThat(serve.backup).isEqualTo(URI.create("file:///backups"));
        assertThat(serve.electionTimeout).isEqualTo(Duration.ofMillis(300));
        assertThat(serve.foreignKeys).isTrue();
        assertThat(serve.maxBodyBytes).isEqualTo(1L << 20);
        assertThat(serve.storage.region).isEqualTo("eu-west-1");
        assertThat(serve.tls.httpCert).isEqualTo(Path.of("/tls/n1.crt"));
        assertThat(serve.tls.nodeVerifyServerName).isTrue();
    }

    @Test
    void aListVariableIsSplitLikeItsFlag() {
        ServeCommand serve = parse(Map.of("HALITE_JOIN", "http://h0:4001,http://h1:4001"));

        assertThat(serve.join).containsExactly(URI.create("http://h0:4001"), URI.create("http://h1:4001"));
    }

    @Test
    void aFlagWinsOverItsVariableAndUnsetOptionsKeepTheirDefaults() {
        ServeCommand serve = parse(Map.of("HALITE_HTTP_ADDR", "0.0.0.0:9000", "HALITE_READ_CONNECTIONS", "2"),
                "--http-addr", "127.0.0.1:5000");

        assertThat(serve.httpAddr).isEqualTo("127.0.0.1:5000");
        assertThat(serve.readConnections).isEqualTo(2);
        assertThat(serve.raftAddr).isEqualTo("127.0.0.1:4002");
        assertThat(serve.nodeId).isNull(); // decided at start: see defaultNodeId
    }

    @Test
    void aSecretIsReadFromTheFileItsFileVariableNamesWithoutTheTrailingNewline() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t value\n");
        Path key = Files.writeString(dir.resolve("key"), "AKIA\r\n");

        ServeCommand serve = parse(Map.of("HALITE_S3_SECRET_KEY_FILE", secret.toString(),
                "HALITE_S3_ACCESS_KEY_FILE", key.toString()));

        assertThat(serve.storage.secretKey).isEqualTo("s3cr3t value");
        assertThat(serve.storage.accessKey).isEqualTo("AKIA");
    }

    @Test
    void theAzureSecretsAreReadFromTheEnvironmentOrFiles() throws Exception {
        Path key = Files.writeString(dir.resolve("azure-key"), "a2V5\n");

        ServeCommand serve = parse(Map.of("HALITE_AZURE_ACCOUNT_KEY_FILE", key.toString(),
                "HALITE_AZURE_SAS_TOKEN", "sv=2024&sig=abc", "HALITE_AZURE_ENDPOINT", "http://127.0.0.1:10000/acct"));

        assertThat(serve.storage.azureAccountKey).isEqualTo("a2V5");
        assertThat(serve.storage.azureSasToken).isEqualTo("sv=2024&sig=abc");
        assertThat(serve.storage.azureEndpoint).hasToString("http://127.0.0.1:10000/acct");
    }

    @Test
    void aSecretGivenBothAsVariableAndAsFileIsRefusedWithoutShowingIt() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "from-file");

        assertThatThrownBy(() -> parse(Map.of("HALITE_S3_SECRET_KEY", "from-variable",
                "HALITE_S3_SECRET_KEY_FILE", secret.toString())))
                .hasMessageContaining("HALITE_S3_SECRET_KEY and HALITE_S3_SECRET_KEY_FILE are both set")
                .hasMessageNotContaining("from-variable").hasMessageNotContaining("from-file");
    }

    @Test
    void aSecretFileThatCannotBeReadIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> parse(Map.of("HALITE_S3_SECRET_KEY_FILE", dir.resolve("missing").toString())))
                .hasMessageContaining("cannot read HALITE_S3_SECRET_KEY_FILE");
    }

    @Test
    void onlySecretOptionsAreReadFromFiles() {
        ServeCommand serve = parse(Map.of("HALITE_PEERS_FILE", "/etc/hostname"));

        assertThat(serve.peers).isNull();
        assertThat(new EnvironmentOptions(Map.of("HALITE_PEERS_FILE", "/etc/hostname"), BackupStorageOptions.SECRET_OPTIONS)
                .unknownVariables(serve(Map.of()).getCommandSpec()))
                .containsExactly("HALITE_PEERS_FILE sets no option of 'halite serve' and is ignored; did you mean HALITE_PEERS?");
    }

    @Test
    void anUnknownHaliteVariableIsWarnedAboutWithTheClosestOptionAndOthersAreNot() {
        EnvironmentOptions environment = new EnvironmentOptions(Map.of(
                "HALITE_PERS", "x", "HALITE_STATEMENT_BUGDET", "1", "HALITE_JAVA_OPTS", "-Xmx1g",
                "HALITE_PEERS", "n1@h:1", "HALITE_S3_SECRET_KEY_FILE", "/run/secret", "HOME", "/root"),
                BackupStorageOptions.SECRET_OPTIONS);

        assertThat(environment.unknownVariables(serve(Map.of()).getCommandSpec())).containsExactly(
                "HALITE_PERS sets no option of 'halite serve' and is ignored; did you mean HALITE_PEERS?",
                "HALITE_STATEMENT_BUGDET sets no option of 'halite serve' and is ignored; did you mean HALITE_STATEMENT_BUDGET?");
    }

    @Test
    void everyOptionHasItsOwnVariable() {
        Set<String> variables = new HashSet<>();
        for (OptionSpec option : serve(Map.of()).getCommandSpec().options()) {
            assertThat(variables.add(EnvironmentOptions.variable(option))).as(option.longestName()).isTrue();
        }
        assertThat(variables).contains("HALITE_PEERS", "HALITE_BACKUP", "HALITE_STATEMENT_BUDGET",
                "HALITE_S3_SECRET_KEY", "HALITE_NODE_ID");
    }

    @Test
    void helpSaysOptionsComeFromTheEnvironment() {
        StringWriter help = new StringWriter();
        serve(Map.of()).usage(new PrintWriter(help));

        assertThat(help.toString().replaceAll("\\s+", " "))
                .contains("Every option can also be set by an environment variable HALITE_<OPTION>")
                .contains("A flag wins over its variable")
                .contains("HALITE_<OPTION>_FILE");
    }

    @Test
    void theNodeIdDefaultsToTheHostNameWhenItIsAValidIdElseNode1() throws Exception {
        Path empty = dir.resolve("empty");
        assertThat(ServeCommand.defaultNodeId(empty, Optional.of("halite-0"))).isEqualTo("halite-0");
        assertThat(ServeCommand.defaultNodeId(empty, Optional.of("bad host name"))).isEqualTo("node1");
        assertThat(ServeCommand.defaultNodeId(empty, Optional.of("x".repeat(65)))).isEqualTo("node1");
        assertThat(ServeCommand.defaultNodeId(empty, Optional.empty())).isEqualTo("node1");
    }

    /** A node's Raft configuration names it: a restart must not change its id, whatever the host is called now. */
    @Test
    void aDataDirectoryKeepsTheNodeIdItWasStartedWith() throws Exception {
        Path recorded = Files.createDirectories(dir.resolve("recorded"));
        Files.writeString(recorded.resolve("node-id"), "halite-2\n");
        assertThat(ServeCommand.defaultNodeId(recorded, Optional.of("another-pod"))).isEqualTo("halite-2");
        // A directory from before ids were recorded was started as node1, the default then.
        Path older = Files.createDirectories(dir.resolve("older").resolve("raft")
                .resolve("5fda69ff-a239-3f74-bf65-8b62923017cb")).getParent().getParent();
        assertThat(ServeCommand.defaultNodeId(older, Optional.of("halite-0"))).isEqualTo("node1");
    }

    @Test
    void backupOptionsSetInTheEnvironmentWithoutABackupAreRefused() {
        CommandLine command = serve(Map.of("HALITE_BACKUP_INTERVAL", "1s"));
        StringWriter err = new StringWriter();
        command.setErr(new PrintWriter(err));

        assertThat(command.execute()).isEqualTo(2);
        assertThat(err.toString()).contains("--backup-sync, --backup-interval, --backup-lease and --backup-lease-time need --backup");
    }
}
