package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower comes back in whatever state its data directory is in and catches up while writes go on, without
 * ever serving its out-of-date data as if it were current.
 */
class FollowerRecoveryTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFollowerRestartedWithAnEmptyDataDirectoryCatchesUpWithinThirtySecondsAndNeverServesItsEmptyDatabase()
            throws Exception {
        long seed = System.nanoTime();
        System.out.println("aFollowerRestartedWithAnEmptyDataDirectory... seed=" + seed);
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)\"]"))
                .isNotNull();

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong acknowledgedRows = new AtomicLong();
        Thread writer = new Thread(() -> {
            Random random = new Random(seed);
            while (writing.get()) {
                JsonNode answer = cluster.post(leader, "/db/execute",
                        "[[\"INSERT INTO t(v) VALUES(?)\", " + random.nextInt() + "]]");
                if (answer != null && !answer.path("results").path(0).has("error")) {
                    acknowledgedRows.incrementAndGet();
                }
            }
        });
        writer.start();
        try {
            while (acknowledgedRows.get() < 300) {
                Thread.sleep(50);
            }
            follower.kill9();
            long rowsBeforeRestart = acknowledgedRows.get();
            deleteTree(follower.dataDir());
            follower.launch();

            // Until it has caught up, a read of its own data must be refused, never answered from the empty
            // database: every answer it gives holds at least the rows acknowledged before it went down. The 30 s
            // count from its first answer: a loaded machine can take long to start a JVM, which is not under test.
            long deadline = System.nanoTime() + 120_000_000_000L;
            boolean answering = false;
            long servedReads = 0;
            long refusedReads = 0;
            String lastRefusal = "";
            while (System.nanoTime() < deadline) {
                HttpResponse<String> read = readCount(follower);
                if (read != null && !answering) {
                    answering = true;
                    deadline = System.nanoTime() + 30_000_000_000L;
                }
                if (read != null && read.statusCode() == 200) {
                    JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(read.body());
                    if (body.has("error")) {
                        assertThat(body.path("error").asText()).startsWith("stale read: ");
                        lastRefusal = body.path("error").asText();
                        refusedReads++;
                    } else {
                        long rows = body.path("results").path(0).path("values").path(0).path(0).asLong();
                        assertThat(rows).as("rows served by the restarted follower").isGreaterThanOrEqualTo(rowsBeforeRestart);
                        servedReads++;
                        if (servedReads >= 20) {
                            break;
                        }
                    }
                }
                Thread.sleep(50);
            }
            System.out.printf("restarted follower: %d reads refused while catching up (last: %s), then %d served%n",
                    refusedReads, lastRefusal, servedReads);
            assertThat(servedReads).as("the follower serves reads again within 30 s of its first answer").isGreaterThanOrEqualTo(20);
        } finally {
            writing.set(false);
            writer.join(30_000);
        }
        JsonNode last = cluster.post(leader, "/db/execute?raft_index", "[\"CREATE TABLE done(x)\"]");
        long index = last.path("raft_index").asLong();
        assertThat(cluster.checksumOnceApplied(follower, index)).isEqualTo(cluster.checksumOnceApplied(leader, index));
    }

    private HttpResponse<String> readCount(ServerProcess node) {
        try {
            return cluster.raw(HttpRequest.newBuilder(URI.create(node.baseUrl()
                            + "/db/query?level=none&q=SELECT+count(*)+FROM+t"))
                    .timeout(java.time.Duration.ofSeconds(5)).GET().build());
        } catch (Exception e) {
            return null; // not listening yet
        }
    }

    static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
