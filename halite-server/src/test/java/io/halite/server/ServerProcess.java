package io.halite.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code halite serve} as a separate OS process, so that tests can SIGKILL it. The data directory and both ports
 * stay the same across {@link #start()} calls: a restart resumes the same node. Each start logs to its own file
 * ({@code serve-N.log} beside the data directory).
 */
public final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Duration readyTimeout = Duration.ofSeconds(60);

    private final Path dataDir;
    private final Path logDir;
    private final String host;
    private final int httpPort;
    private final int raftPort;
    private final List<String> prefix;
    private final List<String> extraArgs;
    private HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String scheme = "http";
    private String heap = "256m";
    private final List<String> systemProperties = new ArrayList<>();
    private java.util.Map<String, String> environment = java.util.Map.of();
    private String readinessAuthorization;
    private List<String> jvm;
    private Process process;
    private Path logFile;
    private int starts;

    public ServerProcess(Path dataDir, Path logDir) throws IOException {
        this(dataDir, logDir, freePort(), freePort(), List.of());
    }

    /** A node with given ports and extra {@code serve} arguments (e.g. {@code --node-id}, {@code --peers}). */
    public ServerProcess(Path dataDir, Path logDir, int httpPort, int raftPort, List<String> extraArgs)
            throws IOException {
        this(dataDir, logDir, "127.0.0.1", httpPort, raftPort, List.of(), extraArgs);
    }

    /**
     * A node listening on {@code host}, started through {@code prefix} (e.g. {@code ip netns exec ns1}, to run it
     * in a network namespace).
     */
    public ServerProcess(Path dataDir, Path logDir, String host, int httpPort, int raftPort, List<String> prefix,
                         List<String> extraArgs) throws IOException {
        if (httpPort == raftPort) {
            throw new IllegalArgumentException("HTTP and Raft ports must differ");
        }
        this.dataDir = dataDir;
        this.logDir = logDir;
        Files.createDirectories(logDir);
        this.host = host;
        this.httpPort = httpPort;
        this.raftPort = raftPort;
        this.prefix = List.copyOf(prefix);
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts a server in a fresh temp layout under {@code root} and waits until it is ready. */
    public static ServerProcess startIn(Path root) throws Exception {
        ServerProcess server = new ServerProcess(root.resolve("data"), root.resolve("logs"));
        server.start();
        return server;
    }

    /** A port nothing listens on now, and not handed out before in this JVM (the kernel may offer one twice). */
    static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                s.setReuseAddress(true);
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    /**
     * The classpath of this test JVM. Surefire may launch tests through a manifest-only jar, in which case
     * {@code java.class.path} is just that jar and the real classpath is in {@code surefire.test.class.path}.
     */
    static String classpath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** How a {@link #runCli} command exited and what it printed. */
    record CliResult(int exitCode, String stdout, String stderr) {}

    private static final AtomicInteger CLI_RUNS = new AtomicInteger();

    /**
     * Runs {@code halite <args>} (a command that exits, such as {@code restore}) the way {@link #launch()} runs
     * {@code serve}: in a {@link NodeJvm}. Its output goes to {@code cli-N.out}/{@code .err} in
     * {@code outputDir}; fails if it runs longer than 2 minutes.
     */
    static CliResult runCli(Path outputDir, String... args) throws Exception {
        return runCli(outputDir, java.util.Map.of(), null, args);
    }

    /** {@link #runCli(Path, String...)} with standard input read from {@code input} (none if null). */
    static CliResult runCli(Path outputDir, Path input, String... args) throws Exception {
        return runCli(outputDir, java.util.Map.of(), input, args);
    }

    /** {@link #runCli(Path, String...)} with {@code environment} added to this JVM's. */
    static CliResult runCli(Path outputDir, java.util.Map<String, String> environment, String... args) throws Exception {
        return runCli(outputDir, environment, null, args);
    }

    /** {@link #runCli(Path, Path, String...)} with extra environment variables (secrets a command reads). */
    static CliResult runCli(Path outputDir, java.util.Map<String, String> environment, Path input, String... args)
            throws Exception {
        Files.createDirectories(outputDir);
        int run = CLI_RUNS.incrementAndGet();
        Path out = outputDir.resolve("cli-" + run + ".out");
        Path err = outputDir.resolve("cli-" + run + ".err");
        ProcessBuilder builder = new ProcessBuilder(cliCommand(args)).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.redirectInput(input != null ? ProcessBuilder.Redirect.from(input.toFile())
                : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("halite " + String.join(" ", args) + " did not finish within 2 minutes");
        }
        return new CliResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * For a node serving HTTPS (started with {@code --http-cert}): its URLs are https, and this harness reaches it
     * with {@code client} (which trusts its CA and, where the node verifies clients, presents a certificate).
     */
    public ServerProcess tls(javax.net.ssl.SSLContext client) {
        this.scheme = "https";
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(client).build();
        return this;
    }

    /** The command line that runs {@code halite <args>} in a {@link NodeJvm}. */
    static List<String> cliCommand(String... args) throws Exception {
        List<String> command = new ArrayList<>(NodeJvm.command(List.of("-Xmx256m")));
        command.add("io.halite.server.cli.HaliteCommand");
        command.addAll(List.of(args));
        return command;
    }

    /** The JVM's maximum heap ({@code -Xmx}) for the next start; 256m unless set. */
    public ServerProcess heap(String maxHeap) {
        this.heap = maxHeap;
        return this;
    }

    /** How long {@link #awaitReady()} waits (60 s unless set), for nodes that first wait for others to start. */
    public ServerProcess readyTimeout(Duration timeout) {
        this.readyTimeout = timeout;
        return this;
    }

    /**
     * A system property for the JVM from the next start on, e.g. {@code jdk.net.hosts.file}: the JDK then resolves
     * names from that file instead of the system's resolver, so a test can give one name several addresses.
     */
    public ServerProcess systemProperty(String name, String value) {
        systemProperties.add("-D" + name + "=" + value);
        return this;
    }

    /** Extra environment variables for the next start (secrets a node reads from its environment). */
    public ServerProcess environment(java.util.Map<String, String> variables) {
        this.environment = java.util.Map.copyOf(variables);
        return this;
    }

    /** The Authorization header {@link #awaitReady()} sends, for a node whose /readyz needs credentials. */
    public ServerProcess readinessAuthorization(String authorization) {
        this.readinessAuthorization = authorization;
        return this;
    }

    /**
     * Starts this node's JVM from {@code line} (java, its options, {@code -cp} and the classpath) instead of
     * {@link NodeJvm}'s: for the node that records NodeJvm's archive.
     */
    ServerProcess jvm(List<String> line) {
        this.jvm = List.copyOf(line);
        return this;
    }

    /** Starts the server process and waits (bounded) until {@code GET /readyz} answers 200. */
    public synchronized void start() throws Exception {
        launch();
        awaitReady();
    }

    /**
     * Starts the server process without waiting: a cluster member is ready only once a majority runs, so start
     * them all, then {@link #awaitReady()} each.
     */
    public synchronized void launch() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        starts++;
        logFile = logDir.resolve("serve-" + starts + ".log");
        List<String> command = new ArrayList<>(prefix);
        List<String> jvmOptions = new ArrayList<>(List.of("-Xmx" + heap));
        jvmOptions.addAll(systemProperties);
        command.addAll(jvm != null ? NodeJvm.withOptions(jvm, jvmOptions) : NodeJvm.command(jvmOptions));
        command.addAll(List.of("io.halite.server.cli.HaliteCommand", "serve",
                "--data-dir", dataDir.toString(),
                "--http-addr", host + ":" + httpPort,
                "--raft-addr", host + ":" + raftPort,
                "--election-timeout", "300ms"));
        command.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
    }

    /** Waits (bounded) until {@code GET /readyz} answers 200; fails with the log's tail otherwise. */
    public void awaitReady() throws Exception {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("halite serve exited with code " + process.exitValue()
                        + " before it was ready; log " + logFile + ":\n" + logTail());
            }
            try {
                HttpRequest.Builder ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).GET();
                if (readinessAuthorization != null) {
                    ready.header("Authorization", readinessAuthorization);
                }
                HttpResponse<String> response = http.send(ready.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    awaitClusterIdentity();
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        String tail = logTail();
        kill9();
        throw new AssertionError("halite serve was not ready within " + readyTimeout.toSeconds() + " s (last: "
                + last + "); log " + logFile + ":\n" + tail);
    }

    /**
     * Waits a little (10 s at most, without failing) until the node knows its cluster identity. A new cluster logs
     * an empty batch that founds it soon after its members are ready: tests that count log indexes or compare
     * applied indexes start after it, not around it.
     */
    private void awaitClusterIdentity() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (!"".equals(clusterIdentity())) {
                    return; // known, or /status is not ours to read
                }
            } catch (IOException e) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /**
     * The cluster identity this node's {@code /status} reports: empty until it knows it, null if {@code /status}
     * does not answer 200 (it needs credentials this harness lacks) or names none.
     */
    public String clusterIdentity() throws IOException, InterruptedException {
        HttpRequest.Builder status = HttpRequest.newBuilder(URI.create(baseUrl() + "/status"))
                .timeout(Duration.ofSeconds(2)).GET();
        if (readinessAuthorization != null) {
            status.header("Authorization", readinessAuthorization);
        }
        HttpResponse<String> response = http.send(status.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return null;
        }
        JsonNode identity = JSON.readTree(response.body()).path("store").path("cluster_identity");
        return identity.isTextual() ? identity.asText() : null;
    }

    /** The last lines of the current log file. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    public String baseUrl() {
        return scheme + "://" + host + ":" + httpPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL (on Linux {@link Process#destroyForcibly()} sends SIGKILL) and wait for the process to be gone. */
    public synchronized void kill9() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("halite serve did not die after SIGKILL");
        }
    }

    /** SIGHUP: a node run with --auth reads its users file again. */
    public synchronized void hangUp() throws Exception {
        signal("HUP");
    }

    /**
     * SIGSTOP: the process stops where it is, its sockets stay open and unanswered, as on a machine that hangs.
     * {@link #unfreeze()} lets it go on; {@link #kill9()} still works on a frozen process.
     */
    public synchronized void freeze() throws Exception {
        signal("STOP");
    }

    /** SIGCONT: a {@link #freeze() frozen} process goes on from where it stopped. */
    public synchronized void unfreeze() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -" + name + " " + process.pid() + " failed: " + output);
        }
    }

    /** Waits (up to {@code within}) for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration within) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (!p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("halite serve still runs after " + within.toSeconds() + " s; log:\n" + logTail());
        }
        return p.exitValue();
    }

    /** SIGTERM and wait for a clean shutdown; returns the exit code. */
    public synchronized int stop() throws InterruptedException {
        if (process == null) {
            return 0;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("halite serve did not stop within 30 s of SIGTERM; log:\n" + logTail());
        }
        return process.exitValue();
    }

    /** Kills the process if it still runs; for {@code @AfterEach}. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
