package io.halite.server;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The JVM that tests start nodes and commands in: this test JVM's java and classpath, and a class-data sharing
 * (CDS) archive recorded once per test run from a node that starts, writes, reads and stops. The suite starts
 * hundreds of nodes, and loading their classes from the archive takes about a second off each start, as
 * {@code ./halite serve} does with its own archive. JDK 17 archives classes from jars only, so the classpath's
 * directories (this module's classes) are packed into jars first.
 * <p>
 * These JVMs compile with C1 only ({@code -XX:TieredStopAtLevel=1}). A test's node lives for seconds, never long
 * enough to gain from C2's code, and on two cores C2 compiling took half of a node's CPU at start: four cluster
 * test classes ran in 364 s instead of 510 s with it off. Speed is measured by {@code ./halite bench} against
 * {@code ./halite serve}, which keeps the JVM's default compilers.
 */
final class NodeJvm {
    private static final Path DIR = Path.of("target", "node-jvm").toAbsolutePath();

    /** java and the options every JVM gets (the archive's once it opens), then -cp and the classpath. */
    private static List<String> line;

    private NodeJvm() {}

    /** {@code java}, {@code options} and {@code -cp}: how a node's or a command's command line begins. */
    static synchronized List<String> command(List<String> options) throws Exception {
        if (line == null) {
            line = prepare();
        }
        return withOptions(line, options);
    }

    /**
     * Jars the classpath, then records the archive from a node's start, a write, a read and a clean stop (the JVM
     * writes it as it exits). If it cannot be recorded or opened (a JVM without a base archive), nodes start
     * without one.
     */
    private static List<String> prepare() throws Exception {
        if (Files.exists(DIR)) {
            FollowerRecoveryTest.deleteTree(DIR);
        }
        Files.createDirectories(DIR);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = jarredClasspath(DIR).stream().map(Path::toString)
                .collect(Collectors.joining(File.pathSeparator));
        List<String> plain = List.of(java, "-XX:TieredStopAtLevel=1", "-cp", classpath);
        Path archive = DIR.resolve("nodes.jsa");
        List<String> recording = withOptions(plain, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds*=off"));
        try (ServerProcess recorder = new ServerProcess(DIR.resolve("data"), DIR.resolve("logs")).jvm(recording)) {
            recorder.start();
            HttpClient http = HttpClient.newHttpClient();
            for (String[] request : new String[][] {
                    {"/db/execute", "[\"CREATE TABLE t(x)\", [\"INSERT INTO t VALUES(?)\", 1]]"},
                    {"/db/query", "[\"SELECT * FROM t\"]"}}) {
                http.send(HttpRequest.newBuilder(URI.create(recorder.baseUrl() + request[0]))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(request[1])).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            recorder.stop();
        }
        List<String> sharing = withOptions(plain, List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off"));
        if (Files.isRegularFile(archive) && opens(sharing)) {
            return sharing;
        }
        System.out.println("nodes start without a class-data archive: " + archive + " was not recorded or does "
                + "not open (logs in " + DIR.resolve("logs") + ")");
        return plain;
    }

    /**
     * The test classpath's existing entries, absolute, with each directory replaced by a jar of it written into
     * {@code jars} (JDK 17 archives classes from jars only).
     */
    static List<Path> jarredClasspath(Path jars) throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String entry : ServerProcess.classpath().split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            if (Files.isDirectory(path)) {
                entries.add(jarOf(path, jars.resolve("classes-" + entries.size() + ".jar")));
            } else if (!entry.isBlank() && Files.exists(path)) {
                entries.add(path);
            }
        }
        return entries;
    }

    /** A jar at {@code jar} of every file under {@code directory}. */
    private static Path jarOf(Path directory, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(directory.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Whether a JVM that must use the archive ({@code -Xshare:on}) starts. */
    private static boolean opens(List<String> sharing) throws Exception {
        List<String> check = withOptions(sharing, List.of("-Xshare:on"));
        check.addAll(List.of("io.halite.server.cli.HaliteCommand", "--version"));
        Process process = new ProcessBuilder(check).redirectErrorStream(true)
                .redirectOutput(DIR.resolve("logs").resolve("archive-check.log").toFile()).start();
        return process.waitFor() == 0;
    }

    /** {@code command}'s java, then {@code options}, then the rest of {@code command}. */
    static List<String> withOptions(List<String> command, List<String> options) {
        List<String> result = new ArrayList<>(command.subList(0, 1));
        result.addAll(options);
        result.addAll(command.subList(1, command.size()));
        return result;
    }
}
