package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.halite.backup.AzuriteServer;
import io.halite.backup.BackupCatalog;
import io.halite.backup.S3ProxyServer;
import io.halite.backup.target.BackupTarget;
import io.halite.backup.target.BackupTargets;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One backup writer per destination, with real {@code halite serve} processes: two single-node clusters (a copy
 * of one configuration, node ids included) pointed at one directory, S3 bucket (S3Proxy) or Azure container
 * (Azurite). Exactly one uploads, the other says why not; when the writer dies the other takes over after the
 * lease time, in a generation of its own; every chain in the destination is whole.
 */
class BackupLeaseProcessTest {
    private static final String LEASE_TIME = "3s";
    private static S3ProxyServer s3;
    private static AzuriteServer azurite;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final BackupApi api = new BackupApi();
    private final List<ServerProcess> nodes = new ArrayList<>();

    @BeforeAll
    static void startStores() throws Exception {
        s3 = new S3ProxyServer();
        azurite = new AzuriteServer();
    }

    @AfterAll
    static void stopStores() throws Exception {
        s3.close();
        azurite.close();
    }

    @AfterEach
    void stopNodes() throws Exception {
        for (ServerProcess node : nodes) {
            node.close();
        }
    }

    /** How nodes reach one destination: its URL, what runs before {@code java} (the environment), and flags. */
    private record Destination(String url, List<String> prefix, List<String> flags, BackupTargets.Settings settings) {}

    private Destination destination(String kind) throws Exception {
        String prefix = "lease-" + dir.getFileName();
        return switch (kind) {
            case "directory" -> new Destination(dir.resolve("backup").toUri().toString(), List.of(), List.of(),
                    BackupTargets.Settings.DEFAULT);
            case "s3" -> new Destination("s3://" + s3.bucket() + "/" + prefix, List.of(), List.of(
                    "--s3-endpoint", s3.endpoint().toString(), "--s3-path-style",
                    "--s3-access-key", S3ProxyServer.ACCESS_KEY, "--s3-secret-key", S3ProxyServer.SECRET_KEY),
                    new BackupTargets.Settings(s3.settings(), null));
            case "azure" -> {
                Path key = Files.writeString(dir.resolve("azure-key"), AzuriteServer.ACCOUNT_KEY);
                yield new Destination("az://" + AzuriteServer.ACCOUNT + "/" + azurite.container() + "/" + prefix,
                        List.of("env", "HALITE_AZURE_ACCOUNT_KEY_FILE=" + key),
                        List.of("--azure-endpoint", azurite.endpoint().toString()),
                        new BackupTargets.Settings(null, azurite.settings()));
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** A single-node cluster named halite-0 (as a copied configuration would name it) backing up to {@code to}. */
    private ServerProcess node(String name, Destination to, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--node-id", "halite-0", "--backup", to.url(),
                "--backup-interval", "200ms", "--backup-lease-time", LEASE_TIME));
        args.addAll(to.flags());
        args.addAll(List.of(flags));
        ServerProcess node = new ServerProcess(dir.resolve(name), dir.resolve("logs-" + name), "127.0.0.1",
                ServerProcess.freePort(), ServerProcess.freePort(), to.prefix(), args);
        nodes.add(node);
        return node;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"directory", "s3", "azure"})
    void oneOfTwoClustersUploadsAndTheOtherTakesOverWhenItDies(String kind) throws Exception {
        Destination destination = destination(kind);
        ServerProcess first = node("first", destination);
        first.start();
        api.await(first, s -> s.path("uploading").asBoolean(), "uploading");
        api.write(first, "CREATE TABLE t(k TEXT)");
        long firstLast = 0;
        for (int i = 0; i < 10; i++) {
            firstLast = api.write(first, "INSERT INTO t(k) VALUES('first-" + i + "')");
        }
        String firstGeneration = api.awaitStored(first, firstLast).path("generation").asText();

        // The second restores the first's backup (its data directory is empty), then serves writes of its own.
        ServerProcess second = node("second", destination);
        second.start();
        long secondLast = 0;
        for (int i = 0; i < 10; i++) {
            secondLast = api.write(second, "INSERT INTO t(k) VALUES('second-" + i + "')");
        }
        for (int i = 10; i < 20; i++) {
            firstLast = api.write(first, "INSERT INTO t(k) VALUES('first-" + i + "')");
        }
        JsonNode refused = api.await(second, s -> s.path("lease").path("problem").isTextual(), "a lease problem");
        assertThat(refused.path("uploading").asBoolean()).as("%s", refused).isFalse();
        assertThat(refused.path("lease").path("held").asBoolean()).isFalse();
        assertThat(refused.path("lease").path("holder").asText()).startsWith("node halite-0 (term ");
        assertThat(refused.path("lease").path("problem").asText())
                .startsWith("backup lease at " + refused.path("target").asText() + " held by node halite-0 (term ")
                .endsWith("; this node does not upload until it is released or expires (after 3 s without renewal)");
        assertThat(Files.readString(second.logFile())).contains("held by node halite-0");
        JsonNode writer = api.awaitStored(first, firstLast);
        assertThat(writer.path("lease").path("held").asBoolean()).isTrue();
        assertThat(writer.path("generation").asText()).isEqualTo(firstGeneration);

        first.kill9();
        long killedAt = System.nanoTime();
        JsonNode takenOver = api.await(second, s -> s.path("uploading").asBoolean(), "uploading after the kill");
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("waited for the lease to expire")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        String secondGeneration = takenOver.path("generation").asText();
        assertThat(secondGeneration).as("the second's history is not the first's").isNotEqualTo(firstGeneration);
        for (int i = 10; i < 15; i++) {
            secondLast = api.write(second, "INSERT INTO t(k) VALUES('second-" + i + "')");
        }
        api.awaitStored(second, secondLast);

        try (BackupTarget target = BackupTargets.open(URI.create(destination.url()), destination.settings())) {
            BackupCatalog catalog = BackupCatalog.read(target);
            List<String> ids = new ArrayList<>();
            for (BackupCatalog.Generation g : catalog.generations()) {
                if (g.bases().isEmpty()) continue; // a base copy cut short: nothing restorable, nothing to continue
                ids.add(g.id());
                long end = g.lastSegment().map(BackupCatalog.SegmentRef::last).orElse(g.bases().lastKey());
                assertThat(g.chainEnd(g.bases().firstKey())).as("generation %s has no gap", g.id()).isEqualTo(end);
            }
            assertThat(ids).containsExactly(firstGeneration, secondGeneration);
            BackupCatalog.Generation firsts = catalog.generations().stream()
                    .filter(g -> g.id().equals(firstGeneration)).findFirst().orElseThrow();
            assertThat(firsts.chainEnd(firsts.bases().firstKey())).as("the first's chain").isEqualTo(firstLast);
            BackupCatalog.Generation seconds = catalog.generations().stream()
                    .filter(g -> g.id().equals(secondGeneration)).findFirst().orElseThrow();
            assertThat(seconds.chainEnd(seconds.bases().firstKey())).as("the second's chain").isEqualTo(secondLast);
        }
    }

    /**
     * A new leader of the same cluster takes the lease over at once: its log holds the entry the lease names. With
     * the default lease time (30 s), the uploads go on well before the old leader's lease could have expired.
     */
    @Test
    void aNewLeaderOfTheSameClusterTakesTheLeaseOverAtOnce() throws Exception {
        String backup = dir.resolve("backup").toUri().toString();
        ProcessCluster cluster = ProcessCluster.start(dir, 3, "--backup", backup, "--backup-interval", "200ms");
        try (cluster) {
            ServerProcess first = cluster.leader();
            api.write(first, "CREATE TABLE t(k TEXT)");
            long index = api.write(first, "INSERT INTO t(k) VALUES('before')");
            String generation = api.awaitStored(first, index).path("generation").asText();
            String firstId = api.get(first, "/status").at("/node/id").asText();
            // A holder that had applied no entry when it took the lease names one within a second of its first.
            Thread.sleep(1500);

            first.kill9();
            long killedAt = System.nanoTime();
            List<ServerProcess> survivors = cluster.nodes().stream().filter(n -> n != first).toList();
            ServerProcess next = cluster.leaderAmong(survivors, Duration.ofSeconds(20));
            for (int attempt = 1; ; attempt++) {
                try {
                    index = api.write(next, "INSERT INTO t(k) VALUES('after')");
                    break;
                } catch (AssertionError refusedWhileTheLeaderSettles) {
                    if (attempt == 20) throw refusedWhileTheLeaderSettles;
                    Thread.sleep(250);
                }
            }
            JsonNode status = api.awaitStored(next, index);

            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("uploading again after the kill")
                    .isLessThan(Duration.ofSeconds(20));
            assertThat(status.path("generation").asText()).isEqualTo(generation);
            assertThat(status.path("lease").path("held").asBoolean()).isTrue();
            assertThat(Files.readString(next.logFile())).contains("taken over from node " + firstId + " (term ");
        }
    }

    @Test
    void withBackupLeaseFailANodeThatFindsTheLeaseHeldExitsAtStart() throws Exception {
        Destination destination = destination("directory");
        ServerProcess holder = node("holder", destination);
        holder.start();
        api.await(holder, s -> s.path("uploading").asBoolean(), "uploading");

        ServerProcess refused = node("refused", destination, "--backup-lease", "fail");
        refused.launch();

        assertThat(refused.awaitExit(Duration.ofSeconds(60))).as("exit code").isEqualTo(1);
        assertThat(Files.readString(refused.logFile()))
                .contains("backup lease at " + dir.resolve("backup").toRealPath().toUri() + " held by node halite-0")
                .contains("; not starting (--backup-lease fail)");
        assertThat(api.backupStatus(holder).path("uploading").asBoolean()).isTrue();
    }
}
