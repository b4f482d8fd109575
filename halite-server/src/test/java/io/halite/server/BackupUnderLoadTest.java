package io.halite.server;

import static io.halite.server.CrashSafetyTest.executeAcknowledged;
import static io.halite.server.CrashSafetyTest.sql;
import static io.halite.server.CrashSafetyTest.statements;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /db/backup} while writers are busy: every copy is a consistent, intact SQLite database. */
class BackupUnderLoadTest {
    private static final int WRITERS = 4;
    private static final int BACKUPS = 6;

    @TempDir
    Path dir;

    private ServerProcess server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> writers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        stop.set(true);
        for (Thread t : writers) {
            t.join(20_000);
        }
        if (server != null) {
            server.close();
        }
    }

    /** Runs the sqlite3 command line tool; returns its trimmed standard output, failing on a non-zero exit. */
    private static String sqlite3(Path file, String sql) throws Exception {
        Process p = new ProcessBuilder("sqlite3", file.toString(), sql).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("sqlite3 finished").isTrue();
        assertThat(p.exitValue()).as("sqlite3 %s %s exit code; output: %s", file, sql, out).isZero();
        return out;
    }

    @Test
    void backupsTakenUnderLoadAreConsistent() throws Exception {
        server = ServerProcess.startIn(dir);
        assertThat(executeAcknowledged(http, server.baseUrl(), statements(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, payload BLOB)",
                "CREATE TABLE side(id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL, at TEXT DEFAULT CURRENT_TIMESTAMP)",
                "CREATE TRIGGER t_side AFTER INSERT ON t BEGIN INSERT INTO side(t_id) VALUES (new.id); END"), false))
                .as("create tables").isNotNull();

        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<String> ackedKeys = new ConcurrentLinkedQueue<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                for (int seq = 0; !stop.get(); seq++) {
                    String key = "w" + writer + "-" + seq;
                    sent.incrementAndGet();
                    if (executeAcknowledged(http, server.baseUrl(), statements(
                            sql("INSERT INTO t(k, payload) VALUES (?, randomblob(200))", key)), false) != null) {
                        ackedKeys.add(key);
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                }
            }, "writer-" + w);
            t.start();
            writers.add(t);
        }

        Thread.sleep(500);
        for (int i = 1; i <= BACKUPS; i++) {
            Set<String> ackedBeforeKeys = new HashSet<>(ackedKeys);
            long ackedBefore = ackedBeforeKeys.size();
            Path file = dir.resolve("backup-" + i + ".sqlite");
            HttpResponse<Path> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/db/backup"))
                    .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofFile(file));
            long ackedAfter = acked.get();
            long sentAfter = sent.get();
            assertThat(response.statusCode()).as("backup %d status", i).isEqualTo(200);
            assertThat(Files.size(file)).as("backup %d size", i).isPositive();

            assertThat(sqlite3(file, "PRAGMA integrity_check")).as("backup %d integrity", i).isEqualTo("ok");
            long rows = Long.parseLong(sqlite3(file, "SELECT count(*) FROM t"));
            System.out.printf("backup %d: %d bytes, rows=%d, acknowledged before=%d after=%d, sent by the end=%d%n",
                    i, Files.size(file), rows, ackedBefore, ackedAfter, sentAfter);
            assertThat(rows).as("backup %d rows vs writes acknowledged before it started", i)
                    .isGreaterThanOrEqualTo(ackedBefore);
            // A write is committed a moment before its client hears so: the copy may hold writes that were still
            // in flight (at most one per writer), never writes not sent yet.
            assertThat(rows).as("backup %d rows vs writes acknowledged (+ in flight) when it finished", i)
                    .isLessThanOrEqualTo(Math.min(sentAfter, ackedAfter + WRITERS));

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 java.sql.Statement s = c.createStatement()) {
                Set<String> inBackup = new HashSet<>();
                try (ResultSet rs = s.executeQuery("SELECT k FROM t")) {
                    while (rs.next()) {
                        inBackup.add(rs.getString(1));
                    }
                }
                Set<String> missing = new HashSet<>(ackedBeforeKeys);
                missing.removeAll(inBackup);
                assertThat(missing).as("backup %d lacks writes acknowledged before it started", i).isEmpty();
                // One snapshot: the trigger's rows match the table's rows exactly.
                try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM side),"
                        + " (SELECT count(*) FROM t WHERE id NOT IN (SELECT t_id FROM side))")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("backup %d side rows", i).isEqualTo(rows);
                    assertThat(rs.getLong(2)).isZero();
                }
                // The copy holds nothing of Halite's; the answer says which log index it holds.
                try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM sqlite_schema WHERE name LIKE "
                        + "'%halite%'), (SELECT application_id FROM pragma_application_id)")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isZero();
                    assertThat(rs.getLong(2)).isZero();
                }
                assertThat(response.headers().firstValueAsLong("X-Halite-Applied-Index").orElse(0)).isPositive();
            }
            Thread.sleep(300);
        }
        stop.set(true);
        for (Thread t : writers) {
            t.join(20_000);
        }
        System.out.printf("writes sent=%d acknowledged=%d not acknowledged=%d%n", sent.get(), acked.get(), failed.get());
        assertThat(failed.get()).as("writes refused by a healthy server").isZero();
        assertThat(acked.get()).isPositive();
        assertThat(server.stop()).as("exit code after SIGTERM").isEqualTo(0);
        assertThat(server.logTail()).contains("shutting down").doesNotContain("error while shutting down");
    }
}
