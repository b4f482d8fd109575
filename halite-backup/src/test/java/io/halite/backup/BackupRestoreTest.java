package io.halite.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.backup.BackupCatalog.RestorePoint;
import io.halite.backup.target.BackupTarget;
import io.halite.backup.target.DirectoryTarget;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.NodeConfig;
import io.halite.core.node.WriteOutcome;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node backs up to a directory while it takes writes; restores rebuild exactly the state at the latest point,
 * at a time, at an index; sync mode stores every entry before its write is acknowledged; retention keeps what the
 * newest chain needs.
 */
class BackupRestoreTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private HaliteNode node(Path data) throws Exception {
        return node(data, 4096);
    }

    private HaliteNode node(Path data, long snapshotEvery) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HaliteNode node = HaliteNode.start(NodeConfig.singleNode("n1", data, "127.0.0.1:" + port)
                .withSnapshotEvery(snapshotEvery), e -> { throw new AssertionError(e); });
        open.add(node);
        assertThat(node.awaitReady(Duration.ofSeconds(20))).isTrue();
        // A new cluster logs the empty batch that founds its identity soon after it is ready: tests that count
        // log indexes start after it.
        for (long deadline = System.nanoTime() + 10_000_000_000L;
                node.clusterIdentity().isEmpty() && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        return node;
    }

    private BackupUploader uploader(HaliteNode node, BackupTarget target, BackupSettings settings) throws Exception {
        BackupUploader uploader = new BackupUploader(node, target, settings, dir.resolve("work"), Clock.systemUTC());
        open.add(uploader);
        uploader.start();
        return uploader;
    }

    private static BackupSettings every(Duration interval, boolean sync) {
        return new BackupSettings(interval, sync, Duration.ofHours(24), 256L << 20, Duration.ofDays(7), 2);
    }

    private static long write(HaliteNode node, String sql, Object... args) throws Exception {
        WriteOutcome outcome = node.write(new SqlRequest(List.of(SqlStatement.of(sql, args)), false)).get();
        return outcome.raftIndex();
    }

    private static void awaitStored(BackupUploader uploader, long index) throws InterruptedException {
        for (int i = 0; i < 200 && uploader.status().storedIndex() < index; i++) {
            Thread.sleep(50);
        }
        assertThat(uploader.status().storedIndex()).isGreaterThanOrEqualTo(index);
    }

    private static String checksumOf(Path databaseFile) throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(databaseFile, SqliteDatabase.Options.defaults())) {
            return db.checksum();
        }
    }

    private Path restore(BackupTarget target, RestorePoint point, String name) throws Exception {
        Path file = dir.resolve(name).resolve("main.sqlite");
        Restorer.restore(BackupCatalog.read(target), point, file, SqliteDatabase.Options.defaults());
        return file;
    }

    private static List<String> values(Path databaseFile) throws Exception {
        List<String> values = new ArrayList<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + databaseFile);
             var rs = c.createStatement().executeQuery("SELECT v FROM t ORDER BY id")) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    @Test
    void restoresTheLatestStateAPointInTimeAndAnIndex() throws Exception {
        HaliteNode node = node(dir.resolve("node"));
        DirectoryTarget target = new DirectoryTarget(dir.resolve("backup"));
        BackupUploader uploader = uploader(node, target, every(Duration.ofMillis(100), false));
        // The generation's base copy holds the cluster identity's founding entry; restoring to the first writes
        // needs it stored before them.
        awaitStored(uploader, node.database().appliedIndex());
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP, "
                + "r INTEGER DEFAULT (random()))");
        long afterA = write(node, "INSERT INTO t(v) VALUES(?)", "a");
        write(node, "INSERT INTO t(v) VALUES(?)", "b");
        Thread.sleep(50);
        Instant between = Instant.now();
        Thread.sleep(50);
        for (int i = 0; i < 20; i++) {
            write(node, "INSERT INTO t(v) VALUES(?)", "c" + i);
        }
        // An interactive transaction's entry is shipped and replayed like any other.
        var tx = node.transactions().begin("", Duration.ofSeconds(10), Duration.ofSeconds(10));
        node.transactions().run(tx.id(), "", new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(v) VALUES(?)", "tx"),
                SqlStatement.of("UPDATE t SET v = v || '!' WHERE v = 'b'")), false));
        long end = node.transactions().commit(tx.id(), "", Duration.ofSeconds(10));
        awaitStored(uploader, end);
        BackupStatus status = uploader.status();
        assertThat(status.lagEntries()).isZero();
        assertThat(status.lastError()).isNull();
        assertThat(status.restorableTo().index()).isEqualTo(end);

        Path latest = restore(target, RestorePoint.latest(), "latest");
        assertThat(checksumOf(latest)).isEqualTo(node.database().checksum());
        assertThat(values(latest)).startsWith("a", "b!").endsWith("c19", "tx");
        assertThat(values(restore(target, new RestorePoint(null, between), "at-time"))).containsExactly("a", "b");
        assertThat(values(restore(target, new RestorePoint(afterA, null), "at-index"))).containsExactly("a");
        assertThatThrownBy(() -> restore(target, new RestorePoint(end + 100, null), "beyond"))
                .hasMessage("the backup ends at index " + end + ", before index " + (end + 100));
    }

    @Test
    void writesGoOnWhileTheS3ServerIsDownAndTheBackupCatchesUpAfter() throws Exception {
        S3ProxyServer s3 = new S3ProxyServer();
        open.add(s3);
        BackupTarget target = io.halite.backup.target.BackupTargets.open(
                java.net.URI.create("s3://" + s3.bucket() + "/app"),
                new io.halite.backup.target.BackupTargets.Settings(s3.settings(), null));
        HaliteNode node = node(dir.resolve("node"));
        BackupUploader uploader = uploader(node, target, every(Duration.ofMillis(200), false));
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP)");
        awaitStored(uploader, write(node, "INSERT INTO t(v) VALUES('before')"));

        s3.stop();
        long last = 0;
        for (int i = 0; i < 50; i++) {
            last = write(node, "INSERT INTO t(v) VALUES(?)", "during" + i);
            Thread.sleep(20);
        }
        BackupStatus down = uploader.status();
        assertThat(down.lagEntries()).isPositive();
        assertThat(down.lagSeconds()).isPositive();
        // A call to the stopped server fails only after the SDK's retries (about 10 s were seen), and the lease's
        // renewal may be the first call to find it down.
        for (int i = 0; i < 600 && uploader.status().lastError() == null; i++) {
            Thread.sleep(50);
        }
        assertThat(uploader.status().lastError()).contains("s3://" + s3.bucket() + "/app");

        s3.start();
        for (int i = 0; i < 600 && uploader.status().storedIndex() < last; i++) {
            Thread.sleep(50);
        }
        BackupStatus up = uploader.status();
        assertThat(up.storedIndex()).isEqualTo(last);
        assertThat(up.lagEntries()).isZero();
        assertThat(up.lastError()).isNull();
        Path restored = restore(target, RestorePoint.latest(), "restored");
        assertThat(checksumOf(restored)).isEqualTo(node.database().checksum());
        assertThat(values(restored)).hasSize(51);
    }

    @Test
    void logPurgesKeepWhatTheBackupHasNotShippedYet() throws Exception {
        // Durable points every 32 entries, and 1 MB entries: about 9 fit in a 10 MB log segment. The uploader,
        // shipping every 400 ms, stays some entries behind, more than a segment: without care, Ratis would purge
        // closed segments it has not shipped yet, and a new base copy would have to bridge the gap.
        HaliteNode node = node(dir.resolve("node"), 32);
        DirectoryTarget target = new DirectoryTarget(dir.resolve("backup"));
        BackupUploader uploader = uploader(node, target, every(Duration.ofMillis(400), false));
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
        byte[] blob = new byte[1 << 20];
        new java.util.Random(7).nextBytes(blob);
        long last = 0;
        for (int i = 0; i < 70; i++) {
            last = write(node, "INSERT INTO t(v, b) VALUES(?, ?)", "v" + i, blob);
            Thread.sleep(25);
        }
        awaitStored(uploader, last);
        assertThat(node.status().snapshotIndex()).as("the log was purged").isPositive();
        BackupCatalog.Generation g = BackupCatalog.read(target).newest().orElseThrow();
        assertThat(g.bases()).as("no base copy had to bridge a purged gap").hasSize(1);
        assertThat(g.chainEnd(g.bases().firstKey())).isEqualTo(last);
    }

    @Test
    void syncModeStoresEveryEntryBeforeItsWriteIsAcknowledged() throws Exception {
        HaliteNode node = node(dir.resolve("node"));
        DirectoryTarget target = new DirectoryTarget(dir.resolve("backup"));
        uploader(node, target, every(Duration.ofSeconds(30), true));
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        List<CompletableFuture<WriteOutcome>> writes = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            writes.add(node.write(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t(v) VALUES(?)", "w" + i)), false)));
        }
        for (CompletableFuture<WriteOutcome> w : writes) {
            long index = w.get().raftIndex();
            // The interval is 30 s: only the sync path can have stored it already.
            BackupCatalog catalog = BackupCatalog.read(target);
            BackupCatalog.Generation g = catalog.newest().orElseThrow();
            assertThat(g.chainEnd(g.bases().lastKey())).isGreaterThanOrEqualTo(index);
        }
        assertThat(values(restore(target, RestorePoint.latest(), "latest"))).hasSize(64);
    }

    @Test
    void retentionKeepsTheNewestBasesAndTheLogAfterThem() throws Exception {
        HaliteNode node = node(dir.resolve("node"));
        DirectoryTarget target = new DirectoryTarget(dir.resolve("backup"));
        // A new base after every shipped segment, none kept for its age: only the two newest survive.
        BackupUploader uploader = uploader(node, target, new BackupSettings(Duration.ofMillis(100), false,
                Duration.ofHours(24), 1, Duration.ZERO, 2));
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        long last = 0;
        for (int i = 0; i < 8; i++) {
            last = write(node, "INSERT INTO t(v) VALUES(?)", "v" + i);
            awaitStored(uploader, last);
            Thread.sleep(150);
        }
        // The uploader applies retention after the base it takes once a segment is stored: let that round end.
        BackupCatalog.Generation g = BackupCatalog.read(target).newest().orElseThrow();
        for (int i = 0; i < 100 && !retained(g); i++) {
            Thread.sleep(50);
            g = BackupCatalog.read(target).newest().orElseThrow();
        }
        assertThat(g.bases()).hasSize(2);
        long oldestKept = g.bases().firstKey();
        assertThat(g.segments().values()).allMatch(s -> s.last() > oldestKept);
        assertThat(values(restore(target, RestorePoint.latest(), "latest"))).hasSize(8);
        assertThat(uploader.status().restorableFrom().index()).isEqualTo(oldestKept);
    }

    /** Whether only the two newest bases are left, and only the log after the oldest of them. */
    private static boolean retained(BackupCatalog.Generation g) {
        return g.bases().size() == 2 && g.segments().values().stream().allMatch(s -> s.last() > g.bases().firstKey());
    }

    @Test
    void aDamagedOrMissingObjectStopsTheRestoreWithItsName() throws Exception {
        HaliteNode node = node(dir.resolve("node"));
        DirectoryTarget target = new DirectoryTarget(dir.resolve("backup"));
        BackupUploader uploader = uploader(node, target, every(Duration.ofMillis(100), false));
        write(node, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        long first = write(node, "INSERT INTO t(v) VALUES('a')");
        awaitStored(uploader, first);
        long second = write(node, "INSERT INTO t(v) VALUES('b')");
        awaitStored(uploader, second);
        BackupCatalog.Generation g = BackupCatalog.read(target).newest().orElseThrow();
        String segment = g.segments().lastEntry().getValue().name();
        Path file = dir.resolve("backup").resolve(segment);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
        assertThatThrownBy(() -> restore(target, RestorePoint.latest(), "damaged"))
                .isInstanceOf(DamagedObjectException.class).hasMessageContaining(segment);
        assertThat(dir.resolve("damaged").resolve("main.sqlite")).doesNotExist();

        String base = BackupLayout.baseData(g.id(), g.bases().firstKey());
        Files.delete(dir.resolve("backup").resolve(base));
        assertThatThrownBy(() -> restore(target, RestorePoint.latest(), "missing"))
                .hasMessage("backup object " + base + " is missing from " + target.describe());
    }
}
