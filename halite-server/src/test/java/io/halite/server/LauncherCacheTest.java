package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code ./halite}): the first {@code serve} after a build records what it loads when it exits, and
 * the next one starts from it: an ahead-of-time cache on JDK 25 or later, a class-data sharing archive before. The
 * launcher runs from a copy of the project layout whose {@code halite.jar} is this build's classes (both take
 * classes from jars only, so class directories are jarred first); each test needs such a JDK under /usr/lib/jvm.
 */
class LauncherCacheTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path root;

    @Test
    @Timeout(300)
    void onJdk25TheFirstServeRecordsAnAheadOfTimeCacheAndTheNextStartsFromIt() throws Exception {
        Optional<Path> jdk = jdk(25, Integer.MAX_VALUE);
        assumeTrue(jdk.isPresent(), "no JDK 25 or later under /usr/lib/jvm");
        theFirstServeRecordsAndTheNextStartsFromIt(jdk.get(), "aot", "-XX:AOTCacheOutput=", "-XX:AOTCache=");
    }

    @Test
    @Timeout(300)
    void beforeJdk25TheFirstServeRecordsAClassDataArchiveAndTheNextStartsFromIt() throws Exception {
        Optional<Path> jdk = jdk(17, 24);
        assumeTrue(jdk.isPresent(), "no JDK 17 to 24 under /usr/lib/jvm");
        theFirstServeRecordsAndTheNextStartsFromIt(jdk.get(), "jsa", "-XX:ArchiveClassesAtExit=",
                "-XX:SharedArchiveFile=");
    }

    private void theFirstServeRecordsAndTheNextStartsFromIt(Path jdk, String extension, String record, String use)
            throws Exception {
        Path launcher = root.resolve("halite");
        Files.copy(Path.of("..", "halite"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(root.resolve("halite-server/target"));
        Path jar = applicationJar(target);
        Path data = root.resolve("data");

        int port = ServerProcess.freePort();
        Process first = serve(launcher, jdk, data, port);
        awaitReady(port);
        post(port, "/db/execute", "[\"CREATE TABLE t(x)\", \"INSERT INTO t VALUES(42)\"]");
        assertThat(commandLine(first)).contains(record).doesNotContain(use);
        stop(first);

        Path cache;
        try (Stream<Path> files = Files.list(target)) {
            cache = files.filter(f -> f.getFileName().toString().matches("halite-jdk.*\\." + extension)).findFirst()
                    .orElseThrow(() -> new AssertionError("no cache in " + target));
        }
        assertThat(Files.size(cache)).isGreaterThan(1 << 20);
        assertThat(Files.getLastModifiedTime(cache)).isGreaterThan(Files.getLastModifiedTime(jar));

        port = ServerProcess.freePort();
        Process second = serve(launcher, jdk, data, port);
        awaitReady(port);
        assertThat(commandLine(second)).contains(use + cache.toAbsolutePath()).doesNotContain(record);
        assertThat(Files.readString(Path.of("/proc", Long.toString(second.pid()), "maps")))
                .as("the JVM mapped the cache in (it falls back silently to loading classes itself)")
                .contains(cache.toAbsolutePath().toString());
        assertThat(post(port, "/db/query", "[\"SELECT x FROM t\"]")).contains("[[42]]");
        stop(second);
    }

    /** A JDK under /usr/lib/jvm whose feature version is between {@code least} and {@code most}. */
    private static Optional<Path> jdk(int least, int most) throws IOException {
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")))
                    .filter(home -> featureVersion(home) >= least && featureVersion(home) <= most).findFirst();
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static int featureVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=\"")) {
                    return Integer.parseInt(line.substring(14).split("[.\"-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not a JDK we can tell the version of
        }
        return 0;
    }

    /** A halite.jar whose manifest names this test's classpath, with class directories jarred. */
    private Path applicationJar(Path target) throws IOException {
        String classPath = NodeJvm.jarredClasspath(target).stream().map(entry -> entry.toUri().toString())
                .collect(Collectors.joining(" "));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.halite.server.cli.HaliteCommand");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        Path jar = target.resolve("halite.jar");
        new JarOutputStream(Files.newOutputStream(jar), manifest).close(); // the manifest is all it holds
        return jar;
    }

    private Process serve(Path launcher, Path jdk, Path data, int port) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "serve", "--data-dir", data.toString(),
                "--http-addr", "127.0.0.1:" + port, "--raft-addr", "127.0.0.1:" + ServerProcess.freePort())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("serve.log").toFile()));
        Map<String, String> env = builder.environment();
        env.remove("HALITE_JAVA_OPTS");
        env.put("PATH", jdk.resolve("bin") + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
        return builder.start();
    }

    /** The launcher execs java, so its process is the node's JVM. */
    private static String commandLine(Process process) {
        return process.info().commandLine().orElseThrow();
    }

    private void stop(Process process) throws Exception {
        process.destroy(); // SIGTERM: a graceful stop, after which the JVM writes its cache
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("stopped; log:\n%s", log()).isTrue();
        assertThat(process.exitValue()).as("exit code; log:\n%s", log()).isZero();
    }

    private String log() throws IOException {
        return Files.readString(root.resolve("serve.log"));
    }

    private void awaitReady(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not ready; log:\n" + log());
    }

    private static String post(int port, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
