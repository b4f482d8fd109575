package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous backup with real {@code halite serve} processes and a directory target: a whole cluster lost and
 * brought back from its backup, sync mode losing nothing acknowledged, point-in-time restores and listings through
 * the CLI (and what it says about damaged or missing objects), and {@code GET /backup/status}.
 */
class BackupProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NO_BACKUP_BODY =
            "{\"error\":\"this node has no backup configured (start it with --backup)\"}";
    private static final List<String> STATUS_KEYS = List.of("target", "mode", "uploading", "leader", "generation",
            "stored_index", "applied_index", "lag_entries", "lag_seconds", "last_upload", "stored_bytes",
            "restorable", "last_error", "last_error_time", "lease");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final List<Thread> writers = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        writing.set(false);
        for (Thread t : writers) {
            t.join(30_000);
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private ServerProcess node(String name, String... extraArgs) throws Exception {
        return closeLater(new ServerProcess(dir.resolve(name), dir.resolve("logs-" + name), ServerProcess.freePort(),
                ServerProcess.freePort(), List.of(extraArgs)));
    }

    private String backupUrl(String name) {
        return dir.resolve(name).toUri().toString();
    }

    /** One acknowledged insert: its row id and key, and when the client heard so. */
    private record Ack(long id, String key, long value, long ackedAtNanos) {}

    /**
     * An async-mode backup of a three-node cluster written through every node; then every node is SIGKILLed and
     * its data is lost. A fresh node on the same backup restores it: every write acknowledged well before the kill
     * (more than 1 s with a 200 ms backup interval) is back, byte for byte, and the node continues the same
     * backup generation.
     */
    @Test
    void everyNodeLostThenOneRestoresFromTheBackup() throws Exception {
        long seed = System.nanoTime();
        System.out.println("everyNodeLostThenOneRestoresFromTheBackup seed=" + seed);
        String backup = backupUrl("backup");
        // The lost cluster's backup lease expires after 2 s: the node restored in its place waits that long.
        ProcessCluster cluster = closeLater(ProcessCluster.start(dir, 3, "--backup", backup,
                "--backup-interval", "200ms", "--backup-lease-time", "2s"));
        List<ServerProcess> nodes = cluster.nodes();
        assertThat(execute(nodes.get(1), sql("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, "
                + "v INTEGER, at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()), "
                + "b BLOB DEFAULT (randomblob(12)))"))).as("create table").isNotNull();

        Set<String> sent = ConcurrentHashMap.newKeySet();
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            Random random = new Random(seed + w);
            startWriter("writer-" + w, () -> {
                for (int seq = 0; writing.get(); seq++) {
                    String key = "w" + writer + "-" + seq;
                    long value = random.nextLong();
                    sent.add(key);
                    JsonNode body = execute(nodes.get(random.nextInt(nodes.size())),
                            sql("INSERT INTO t(k, v) VALUES(?, ?)", key, value));
                    if (body != null) {
                        acks.add(new Ack(body.path("results").path(0).path("last_insert_id").asLong(), key, value,
                                System.nanoTime()));
                    }
                }
            });
        }
        Thread.sleep(2500);

        // The cluster's own view of every row so far: the restore must give back exactly these values.
        ServerProcess leader = cluster.leader();
        long readAt = System.nanoTime();
        List<Ack> ackedBeforeRead = acks.stream().filter(a -> a.ackedAtNanos() < readAt).toList();
        Map<Long, JsonNode> before = rowsById(query(leader, "SELECT id, k, v, at, r, b FROM t", "strong"));
        assertThat(ackedBeforeRead).as("writes acknowledged in 2.5 s").hasSizeGreaterThanOrEqualTo(5);
        for (Ack a : ackedBeforeRead) {
            assertThat(before).as("the cluster holds acknowledged write %s", a).containsKey(a.id());
        }
        JsonNode leaderStatus = backupStatus(leader);
        String generation = leaderStatus.path("generation").asText();
        String lostIdentity = leader.clusterIdentity();
        assertThat(lostIdentity).isNotEmpty();
        assertThat(leaderStatus.path("uploading").asBoolean()).as("the leader uploads: %s", leaderStatus).isTrue();
        assertThat(generation).matches("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
        for (ServerProcess node : nodes) {
            JsonNode status = backupStatus(node);
            assertThat(status.path("mode").asText()).isEqualTo("async");
            assertThat(status.path("uploading").asBoolean()).as("%s uploads: %s", node.baseUrl(), status)
                    .isEqualTo(node == leader);
            assertThat(status.path("last_error").isNull()).as("no error on %s: %s", node.baseUrl(), status).isTrue();
        }

        Thread.sleep(Math.max(0, Duration.ofMillis(1300).toMillis() - (System.nanoTime() - readAt) / 1_000_000));
        long killAt = System.nanoTime();
        for (ServerProcess node : nodes) {
            node.kill9();
        }
        writing.set(false);
        for (Thread t : writers) {
            t.join(30_000);
        }
        List<Ack> mustSurvive = acks.stream()
                .filter(a -> a.ackedAtNanos() < killAt - Duration.ofSeconds(1).toNanos()).toList();
        System.out.printf("sent %d, acknowledged %d (%d of them more than 1 s before the kill), %d rows read "
                + "back before the kill%n", sent.size(), acks.size(), mustSurvive.size(), before.size());
        for (ServerProcess node : nodes) {
            deleteTree(node.dataDir());
        }

        ServerProcess restored = node("restored", "--backup", backup, "--backup-interval", "200ms",
                "--backup-lease-time", "2s");
        restored.start();
        assertThat(Files.readString(restored.logFile())).contains("restored the latest backup from "
                + dir.resolve("backup").toRealPath().toUri() + ": generation " + generation + ", index ");
        // The restored log is another log: writes after the last upload are not in it, so the indexes clients
        // hold from the lost cluster may lie beyond its end. A new identity tells them to forget those.
        assertThat(restored.clusterIdentity()).isNotEmpty().isNotEqualTo(lostIdentity);

        Map<Long, JsonNode> after = rowsById(query(restored, "SELECT id, k, v, at, r, b FROM t", "none"));
        for (Ack a : mustSurvive) {
            JsonNode row = after.get(a.id());
            assertThat(row).as("write %s acknowledged more than 1 s before the kill is restored", a).isNotNull();
            assertThat(row.get(1).asText()).isEqualTo(a.key());
            assertThat(row.get(2).asLong()).isEqualTo(a.value());
        }
        // Row ids grow with the log: the rows read back before the kill are a prefix of the restored ones, equal
        // in every column (pinned CURRENT_TIMESTAMP, seeded random() and randomblob() included).
        long lastReadBack = before.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        Map<Long, JsonNode> restoredPrefix = new TreeMap<>(after);
        restoredPrefix.keySet().removeIf(id -> id > lastReadBack);
        assertThat(restoredPrefix).as("restored rows up to id %d", lastReadBack).isEqualTo(before);
        for (JsonNode row : after.values()) {
            assertThat(sent).as("restored row %s was written by a client", row).contains(row.get(1).asText());
        }

        // The uploader starts once the node leads and has read where the stored chain ends.
        JsonNode status = backupStatus(restored);
        for (int i = 0; i < 100 && !status.path("uploading").asBoolean(); i++) {
            Thread.sleep(100);
            status = backupStatus(restored);
        }
        assertThat(status.path("generation").asText()).as("generation after the restore").isEqualTo(generation);
        // As the new leader the node commits an entry of its own, which the uploader stores a moment later; once it
        // has, what the node applied and what the backup holds are the same.
        status = awaitStored(restored, status.path("applied_index").asLong());
        long storedAtRestore = status.path("stored_index").asLong();
        assertThat(status.path("applied_index").asLong()).isEqualTo(storedAtRestore);

        long lastIndex = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode body = execute(restored, sql("INSERT INTO t(k, v) VALUES(?, ?)", "after-restore-" + i, i));
            assertThat(body).as("write %d on the restored node", i).isNotNull();
            lastIndex = body.path("raft_index").asLong();
        }
        assertThat(lastIndex).isGreaterThan(storedAtRestore);
        status = awaitStored(restored, lastIndex);
        assertThat(status.path("generation").asText()).isEqualTo(generation);
        assertThat(status.path("uploading").asBoolean()).isTrue();
        assertThat(status.path("stored_index").asLong()).isEqualTo(lastIndex);
        assertThat(status.path("lag_entries").asLong()).isZero();
        assertThat(status.path("last_error").isNull()).as("no error: %s", status).isTrue();

        // The continued chain restores too: the restored rows plus the new ones.
        Path again = dir.resolve("restored-again");
        ServerProcess.CliResult cli = ServerProcess.runCli(dir.resolve("cli"), "restore", "--from", backup,
                "--data-dir", again.toString());
        assertThat(cli.exitCode()).as("restore: %s", cli).isZero();
        assertThat(cli.stdout()).startsWith("restored " + again + " to index " + lastIndex + " (written ")
                .contains(" from generation " + generation + ": ");
        assertThat(readRows(again, "SELECT count(*) FROM t")).containsExactly(List.of((long) after.size() + 3));
    }

    /**
     * {@code --backup-sync}: a write is acknowledged only once its entry is stored, so losing the node and its
     * data loses nothing acknowledged.
     */
    @Test
    void syncModeLosesNothingAcknowledged() throws Exception {
        String backup = backupUrl("backup");
        ServerProcess server = node("data", "--backup", backup, "--backup-sync");
        server.start();
        assertThat(execute(server, sql("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, "
                + "at TEXT DEFAULT CURRENT_TIMESTAMP)"))).isNotNull();
        JsonNode status = backupStatus(server);
        assertThat(status.path("mode").asText()).isEqualTo("sync");

        Set<String> acked = ConcurrentHashMap.newKeySet();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            startWriter("writer-" + w, () -> {
                for (int seq = 0; writing.get(); seq++) {
                    String key = "w" + writer + "-" + seq;
                    if (execute(server, sql("INSERT INTO t(k) VALUES(?)", key)) != null) {
                        acked.add(key);
                    }
                }
            });
        }
        Thread.sleep(2500);
        server.kill9();
        writing.set(false);
        for (Thread t : writers) {
            t.join(30_000);
        }
        System.out.printf("sync mode: %d writes acknowledged before the kill%n", acked.size());
        assertThat(acked).as("writes acknowledged in 2.5 s").hasSizeGreaterThan(20);
        deleteTree(server.dataDir());

        server.start();
        assertThat(Files.readString(server.logFile())).contains("restored the latest backup from ");
        Set<String> restored = ConcurrentHashMap.newKeySet();
        query(server, "SELECT k FROM t", "none").forEach(row -> restored.add(row.get(0).asText()));
        Set<String> lost = new java.util.TreeSet<>(acked);
        lost.removeAll(restored);
        assertThat(lost).as("acknowledged writes missing after the restore").isEmpty();
        // At most one write per writer was in flight at the kill: stored, maybe, but not acknowledged.
        assertThat(restored.size()).isBetween(acked.size(), acked.size() + 4);
    }

    /**
     * {@code halite restore --to-time/--to-index} and {@code halite backup list} as separate processes, and what
     * restore says when an object is damaged or missing, or the data directory is taken.
     */
    @Test
    void pointInTimeRestoreAndListThroughTheCli() throws Exception {
        String backup = backupUrl("backup");
        ServerProcess server = node("data", "--backup", backup, "--backup-interval", "200ms");
        server.start();
        assertThat(execute(server, sql("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, "
                + "at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()))"))).isNotNull();
        long indexA = execute(server, sql("INSERT INTO t(name) VALUES('A')")).path("raft_index").asLong();
        Thread.sleep(1100);
        Instant between = Instant.now();
        Thread.sleep(1100);
        long indexB = execute(server, sql("INSERT INTO t(name) VALUES('B')")).path("raft_index").asLong();
        assertThat(indexB).isGreaterThan(indexA);
        JsonNode status = awaitStored(server, indexB);
        String generation = status.path("generation").asText();
        List<List<Object>> rowA = List.of(asList(query(server, "SELECT id, name, at, r FROM t WHERE name = 'A'", "none")
                .get(0)));
        assertThat(server.stop()).isEqualTo(0);

        Path cliOut = dir.resolve("cli");
        Path toTime = dir.resolve("to-time");
        ServerProcess.CliResult cli = ServerProcess.runCli(cliOut, "restore", "--from", backup,
                "--data-dir", toTime.toString(), "--to-time", between.toString());
        assertThat(cli.exitCode()).as("restore --to-time: %s", cli).isZero();
        assertThat(cli.stdout()).startsWith("restored " + toTime + " to index " + indexA + " (written ")
                .contains(" from generation " + generation + ": ");
        assertThat(readRows(toTime, "SELECT id, name, at, r FROM t")).isEqualTo(rowA);

        Path toIndex = dir.resolve("to-index");
        cli = ServerProcess.runCli(cliOut, "restore", "--from", backup, "--data-dir", toIndex.toString(),
                "--to-index", Long.toString(indexA));
        assertThat(cli.exitCode()).as("restore --to-index: %s", cli).isZero();
        assertThat(cli.stdout()).startsWith("restored " + toIndex + " to index " + indexA + " (written ");
        assertThat(readRows(toIndex, "SELECT id, name, at, r FROM t")).isEqualTo(rowA);

        cli = ServerProcess.runCli(cliOut, "backup", "list", "--from", backup);
        assertThat(cli.exitCode()).as("backup list: %s", cli).isZero();
        List<String> lines = cli.stdout().lines().toList();
        assertThat(lines).as(cli.stdout()).hasSize(2);
        assertThat(lines.get(0).split(" +")).containsExactly("GENERATION", "BASE", "INDEX", "BASE", "TIME",
                "RESTORABLE", "TO", "INDEX", "RESTORABLE", "TO", "TIME", "BASE", "BYTES");
        String[] line = lines.get(1).trim().split(" +");
        assertThat(line).hasSize(6);
        assertThat(line[0]).isEqualTo(generation);
        assertThat(Long.parseLong(line[3])).as("restorable to index").isEqualTo(indexB);

        // A data directory that holds a database is never overwritten.
        cli = ServerProcess.runCli(cliOut, "restore", "--from", backup, "--data-dir", toTime.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.stderr()).isEqualTo("halite restore: " + toTime
                + " already holds a node's data; restore into a new directory\n");
        assertThat(readRows(toTime, "SELECT id, name, at, r FROM t")).isEqualTo(rowA);

        // The segment that holds row A, overwritten with garbage: the restore names it and writes nothing.
        Path segmentA;
        try (Stream<Path> segments = Files.list(dir.resolve("backup").resolve(generation).resolve("log"))) {
            segmentA = segments.filter(p -> {
                String[] range = p.getFileName().toString().replace(".log.zst", "").split("-");
                return Long.parseLong(range[0]) <= indexA && indexA <= Long.parseLong(range[1]);
            }).findFirst().orElseThrow();
        }
        String segmentName = generation + "/log/" + segmentA.getFileName();
        Path damaged = copyTree(dir.resolve("backup"), dir.resolve("damaged"));
        byte[] garbage = new byte[(int) Files.size(segmentA)];
        long seed = System.nanoTime();
        System.out.println("pointInTimeRestoreAndListThroughTheCli garbage seed=" + seed);
        new Random(seed).nextBytes(garbage);
        Files.write(damaged.resolve(segmentName), garbage);
        Path fromDamaged = dir.resolve("from-damaged");
        cli = ServerProcess.runCli(cliOut, "restore", "--from", damaged.toUri().toString(),
                "--data-dir", fromDamaged.toString());
        assertThat(cli.exitCode()).as("restore from a damaged backup: %s", cli).isEqualTo(1);
        assertThat(cli.stderr()).contains("halite restore: backup object " + segmentName + " is damaged: ");
        assertThat(fromDamaged.resolve("db").resolve("main.sqlite")).doesNotExist();

        // The same segment missing, with B's after it: the restore names the gap and the object expected there.
        Path gap = copyTree(dir.resolve("backup"), dir.resolve("gap"));
        Files.delete(gap.resolve(segmentName));
        String[] range = segmentA.getFileName().toString().replace(".log.zst", "").split("-");
        Path fromGap = dir.resolve("from-gap");
        cli = ServerProcess.runCli(cliOut, "restore", "--from", gap.toUri().toString(),
                "--data-dir", fromGap.toString());
        assertThat(cli.exitCode()).as("restore from a backup with a gap: %s", cli).isEqualTo(1);
        assertThat(cli.stderr()).contains("halite restore: the backup chain of generation " + generation
                + " is broken: entries " + Long.parseLong(range[0]) + " to " + Long.parseLong(range[1])
                + " are missing (expected an object named " + segmentName);
        assertThat(fromGap.resolve("db").resolve("main.sqlite")).doesNotExist();
    }

    /** {@code GET /backup/status}: its exact keys and values on a node with a backup; 404 on a node without. */
    @Test
    void backupStatusOnNodesWithAndWithoutABackup() throws Exception {
        ServerProcess withBackup = node("with", "--backup", backupUrl("backup"), "--backup-interval", "200ms");
        ServerProcess without = node("without");
        withBackup.launch();
        without.launch();
        withBackup.awaitReady();
        without.awaitReady();

        HttpResponse<String> none = get(without, "/backup/status");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.body()).isEqualTo(NO_BACKUP_BODY);

        assertThat(execute(withBackup, sql("CREATE TABLE t(id INTEGER PRIMARY KEY, at TEXT)"))).isNotNull();
        JsonNode insert = execute(withBackup, sql("INSERT INTO t(at) VALUES(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"));
        long index = insert.path("raft_index").asLong();
        Instant pinned = Instant.parse(query(withBackup, "SELECT at FROM t", "none").get(0).get(0).asText());
        awaitStored(withBackup, index);

        HttpResponse<String> response = get(withBackup, "/backup/status");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode s = JSON.readTree(response.body());
        List<String> keys = new ArrayList<>();
        s.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as(response.body()).isEqualTo(STATUS_KEYS);

        Path backupDir = dir.resolve("backup").toRealPath();
        String generation;
        try (Stream<Path> generations = Files.list(backupDir)) {
            generation = generations.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && !n.equals("lease"))
                    .reduce((a, b) -> a + "," + b).orElseThrow();
        }
        Path baseManifest;
        try (Stream<Path> bases = Files.list(backupDir.resolve(generation).resolve("base"))) {
            baseManifest = bases.filter(p -> p.toString().endsWith(".json")).reduce((a, b) -> {
                throw new AssertionError("more than one base: " + a + ", " + b);
            }).orElseThrow();
        }
        JsonNode manifest = JSON.readTree(baseManifest.toFile());
        long storedBytes;
        try (Stream<Path> files = Files.walk(backupDir)) {
            // The lease objects are not part of the backup.
            storedBytes = files.filter(Files::isRegularFile).filter(p -> !p.startsWith(backupDir.resolve("lease")))
                    .mapToLong(p -> p.toFile().length()).sum();
        }

        assertThat(s.get("target").textValue()).isEqualTo(backupDir.toUri().toString());
        assertThat(s.get("mode").textValue()).isEqualTo("async");
        assertThat(s.get("uploading").isBoolean() && s.get("uploading").booleanValue()).isTrue();
        // a node started without --node-id is named after the host
        assertThat(s.get("leader").textValue())
                .isEqualTo(JSON.readTree(get(withBackup, "/status").body()).at("/node/id").asText());
        assertThat(s.get("generation").textValue()).isEqualTo(generation).matches("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
        assertThat(s.get("stored_index").isIntegralNumber()).isTrue();
        assertThat(s.get("stored_index").longValue()).isEqualTo(index);
        assertThat(s.get("applied_index").isIntegralNumber()).isTrue();
        assertThat(s.get("applied_index").longValue()).isEqualTo(index);
        assertThat(s.get("lag_entries").isIntegralNumber()).isTrue();
        assertThat(s.get("lag_entries").longValue()).isZero();
        assertThat(s.get("lag_seconds").isNumber()).isTrue();
        assertThat(s.get("lag_seconds").doubleValue()).isZero();
        assertThat(s.get("last_upload").isTextual()).isTrue();
        assertThat(Instant.parse(s.get("last_upload").textValue())).isBetween(pinned, Instant.now());
        assertThat(s.get("stored_bytes").isIntegralNumber()).isTrue();
        assertThat(s.get("stored_bytes").longValue()).as("bytes of every object in %s", backupDir)
                .isEqualTo(storedBytes);
        JsonNode restorable = s.get("restorable");
        List<String> restorableKeys = new ArrayList<>();
        restorable.fieldNames().forEachRemaining(restorableKeys::add);
        assertThat(restorableKeys).containsExactly("from", "to");
        for (String end : restorableKeys) {
            List<String> pointKeys = new ArrayList<>();
            restorable.get(end).fieldNames().forEachRemaining(pointKeys::add);
            assertThat(pointKeys).containsExactly("index", "time");
            assertThat(restorable.get(end).get("index").isIntegralNumber()).isTrue();
            assertThat(restorable.get(end).get("time").isTextual()).isTrue();
        }
        assertThat(restorable.get("from").get("index").longValue()).isEqualTo(manifest.get("index").longValue());
        assertThat(restorable.get("from").get("time").textValue())
                .isEqualTo(Instant.ofEpochMilli(manifest.get("time_ms").longValue()).toString());
        assertThat(restorable.get("to").get("index").longValue()).isEqualTo(index);
        assertThat(Instant.parse(restorable.get("to").get("time").textValue())).as("the last write's pinned time")
                .isEqualTo(pinned);
        assertThat(s.get("last_error").isNull()).isTrue();
        assertThat(s.get("last_error_time").isNull()).isTrue();
        JsonNode lease = s.get("lease");
        List<String> leaseKeys = new ArrayList<>();
        lease.fieldNames().forEachRemaining(leaseKeys::add);
        assertThat(leaseKeys).containsExactly("held", "holder", "problem");
        assertThat(lease.get("held").booleanValue()).isTrue();
        assertThat(lease.get("holder").textValue()).startsWith("node " + s.get("leader").textValue() + " (term ");
        assertThat(lease.get("problem").isNull()).isTrue();
    }

    // ---- helpers ----

    /**
     * The leader is SIGKILLed while writes go on: a survivor takes over the uploads and continues the same
     * generation after the last stored entry, with no gap, so a restore holds every acknowledged write.
     */
    @Test
    void aNewLeaderContinuesTheChainWithoutAGap() throws Exception {
        String backup = backupUrl("backup");
        ProcessCluster cluster = closeLater(ProcessCluster.start(dir, 3, "--backup", backup,
                "--backup-interval", "200ms"));
        ServerProcess first = cluster.leader();
        assertThat(execute(first, sql("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE)"))).isNotNull();
        List<String> acknowledged = new ArrayList<>();
        long index = 0;
        for (int i = 0; i < 20; i++) {
            JsonNode body = execute(first, sql("INSERT INTO t(k) VALUES(?)", "before-" + i));
            assertThat(body).isNotNull();
            acknowledged.add("before-" + i);
            index = body.path("raft_index").asLong();
        }
        String generation = awaitStored(first, index).path("generation").asText();

        first.kill9();
        List<ServerProcess> survivors = cluster.nodes().stream().filter(n -> n != first).toList();
        ServerProcess next = cluster.leaderAmong(survivors, Duration.ofSeconds(20));
        for (int i = 0; i < 20; i++) {
            ServerProcess via = survivors.get(i % 2);
            // Idempotent, so that a write whose outcome was unknown (around the failover) can be sent again.
            JsonNode body = execute(via, sql("INSERT OR IGNORE INTO t(k) VALUES(?)", "after-" + i));
            for (int attempt = 0; body == null && attempt < 20; attempt++) {
                Thread.sleep(250);
                body = execute(via, sql("INSERT OR IGNORE INTO t(k) VALUES(?)", "after-" + i));
            }
            assertThat(body).as("write %d through %s after the failover", i, via.baseUrl()).isNotNull();
            acknowledged.add("after-" + i);
            index = Math.max(index, body.path("raft_index").asLong());
        }
        // The new leader takes the dead one's lease over at once when its log holds the entry the lease names; once
        // in CI it waited for the lease to expire instead (30 s, cause not found yet), which is slower but safe.
        JsonNode status = awaitStored(next, index, Duration.ofSeconds(75));
        assertThat(status.path("uploading").asBoolean()).isTrue();
        assertThat(status.path("generation").asText()).as("the new leader continues the chain").isEqualTo(generation);
        assertThat(status.path("last_error").isNull()).isTrue();

        try (var target = io.halite.backup.target.BackupTargets.open(URI.create(backup), io.halite.backup.target.BackupTargets.Settings.DEFAULT)) {
            io.halite.backup.BackupCatalog catalog = io.halite.backup.BackupCatalog.read(target);
            io.halite.backup.BackupCatalog.Generation g = catalog.newest().orElseThrow();
            assertThat(g.id()).isEqualTo(generation);
            assertThat(g.chainEnd(g.bases().firstKey())).as("one chain from the first base").isEqualTo(index);
            // While the cluster starts, two nodes may both believe they lead for a moment; if both began a
            // generation, the other one is older and holds nothing but the empty database.
            for (io.halite.backup.BackupCatalog.Generation other : catalog.generations()) {
                if (other != g) {
                    assertThat(other.id()).isLessThan(generation);
                    assertThat(other.bases().isEmpty() || other.chainEnd(other.bases().lastKey()) == 0)
                            .as("a stray generation %s holds no writes", other.id()).isTrue();
                }
            }
        }
        ServerProcess.CliResult restore = ServerProcess.runCli(dir.resolve("cli"), "restore", "--from", backup,
                "--data-dir", dir.resolve("restored").toString());
        assertThat(restore.exitCode()).as(restore.stderr()).isZero();
        List<Object> keys = readRows(dir.resolve("restored"), "SELECT k FROM t ORDER BY id").stream()
                .map(row -> row.get(0)).toList();
        assertThat(keys).containsExactlyElementsOf(acknowledged);
    }

    private void startWriter(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        writers.add(t);
    }

    /** A parameterized statement as the HTTP API takes it. */
    private static ArrayNode sql(String sql, Object... params) {
        ArrayNode statement = JSON.createArrayNode().add(sql);
        for (Object p : params) {
            statement.addPOJO(p);
        }
        return JSON.createArrayNode().add(statement);
    }

    /** {@code POST /db/execute?raft_index}: the answer if the write was acknowledged, else null. */
    /**
     * With an hour between rounds, nothing written after the first base copy is stored by a round; a SIGTERM
     * stores it before the process exits, so the backup ends at the node's last applied index.
     */
    @Test
    void aLeaderStoppedWithSigtermStoresEverythingItAppliedBeforeExiting() throws Exception {
        String backup = backupUrl("backup");
        ServerProcess server = node("data", "--backup", backup, "--backup-interval", "1h");
        server.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (backupStatus(server).path("generation").isNull()) {
            assertThat(System.nanoTime()).as("a generation starts within 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(execute(server, sql("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT)"))).isNotNull();
        for (int i = 0; i < 10; i++) {
            assertThat(execute(server, sql("INSERT INTO t(k) VALUES(?)", "row-" + i))).isNotNull();
        }
        JsonNode before = backupStatus(server);
        long applied = before.path("applied_index").asLong();
        assertThat(before.path("stored_index").asLong()).as("not stored by a round").isLessThan(applied);

        assertThat(server.stop()).as("exit code after SIGTERM").isEqualTo(0);

        try (var target = io.halite.backup.target.BackupTargets.open(URI.create(backup), io.halite.backup.target.BackupTargets.Settings.DEFAULT)) {
            io.halite.backup.BackupCatalog.Generation g = io.halite.backup.BackupCatalog.read(target).newest()
                    .orElseThrow();
            assertThat(g.chainEnd(g.bases().lastKey())).as("the backup's last stored index").isEqualTo(applied);
        }
    }

    private JsonNode execute(ServerProcess node, ArrayNode statements) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(node.baseUrl() + "/db/execute?raft_index"))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(statements))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonNode body = JSON.readTree(response.body());
            for (JsonNode result : body.path("results")) {
                if (result.has("error")) {
                    return null;
                }
            }
            return body.has("error") || body.path("results").size() != statements.size() ? null : body;
        } catch (Exception e) {
            return null; // refused, reset by a kill, timed out: the outcome is unknown
        }
    }

    private HttpResponse<String> get(ServerProcess node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(15))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The rows ({@code values}) a query answers, failing on an error. */
    private JsonNode query(ServerProcess node, String sql, String level) throws Exception {
        HttpResponse<String> response = get(node, "/db/query?level=" + level + "&q="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8));
        assertThat(response.statusCode()).as("%s: %s", sql, response.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(response.body()).path("results").path(0);
        assertThat(result.has("error")).as("%s: %s", sql, response.body()).isFalse();
        return result.path("values");
    }

    /** Rows by their first column (the row id). */
    private static Map<Long, JsonNode> rowsById(JsonNode values) {
        Map<Long, JsonNode> rows = new TreeMap<>();
        values.forEach(row -> rows.put(row.get(0).asLong(), row));
        return rows;
    }

    private static List<Object> asList(JsonNode row) {
        List<Object> values = new ArrayList<>();
        for (JsonNode v : row) {
            values.add(v.isIntegralNumber() ? (Object) v.longValue() : v.isNull() ? null : v.asText());
        }
        return values;
    }

    private JsonNode backupStatus(ServerProcess node) throws Exception {
        HttpResponse<String> response = get(node, "/backup/status");
        assertThat(response.statusCode()).as("%s /backup/status: %s", node.baseUrl(), response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Waits (up to 30 s) until the node's backup stored {@code index} and has nothing left to ship. */
    private JsonNode awaitStored(ServerProcess node, long index) throws Exception {
        return awaitStored(node, index, Duration.ofSeconds(30));
    }

    private JsonNode awaitStored(ServerProcess node, long index, Duration within) throws Exception {
        JsonNode status = null;
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            status = backupStatus(node);
            if (status.path("stored_index").asLong() >= index && status.path("lag_entries").asLong() == 0) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(node.baseUrl() + " did not back up index " + index + " within " + within.toSeconds()
                + " s: " + status);
    }

    /** Every row of {@code sql} on the database restored into {@code dataDir}, opened read-only. */
    private static List<List<Object>> readRows(Path dataDir, String sql) throws Exception {
        Path file = dataDir.resolve("db").resolve("main.sqlite");
        assertThat(file).exists();
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
             java.sql.Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof Integer n ? (Object) n.longValue() : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static void deleteTree(Path root) throws Exception {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Copies the tree at {@code from} to {@code to} (which must not exist yet); returns {@code to}. */
    static Path copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path copy = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(p, copy);
                }
            }
        }
        return to;
    }
}
