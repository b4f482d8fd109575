package io.halite.backup;

import com.azure.storage.blob.BlobServiceClientBuilder;
import io.halite.backup.target.AzureSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Azure Blob Storage for tests: Azurite's blob service (the npm package, run by node) on 127.0.0.1, keeping its
 * blobs in a temporary directory, with one container. Azurite is installed once per machine into
 * ~/.cache/halite-test/azurite-VERSION (npm registry needed the first time), so test classes and CI runs share it.
 * {@link #stop()} and {@link #start()} make an outage: the server comes back on the same port with the same blobs.
 */
public final class AzuriteServer implements AutoCloseable {
    static final String VERSION = "3.37.0";
    /** Azurite's one account and its well-known key, published in Azurite's documentation: not a secret. */
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String ACCOUNT_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "halite-test");
    private static final Pattern LISTENING = Pattern.compile("successfully listens on http://127\\.0\\.0\\.1:(\\d+)");

    private final Path directory;
    private final String container;
    private int port;
    private volatile Process process;
    private final List<String> output = new ArrayList<>();

    /** Starts a server with the container "halite". */
    public AzuriteServer() throws Exception {
        this("halite");
    }

    public AzuriteServer(String container) throws Exception {
        this.container = container;
        this.directory = Files.createTempDirectory("azurite");
        // A test JVM that ends without closing the server must not leave node running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process running = process;
            if (running != null) running.destroyForcibly();
        }, "azurite-stop"));
        start();
        new BlobServiceClientBuilder().connectionString(connectionString()).buildClient()
                .createBlobContainerIfNotExists(container);
    }

    /** Azurite's blob service entry point, installed on first use. */
    static Path installed() throws IOException, InterruptedException {
        Path home = CACHE.resolve("azurite-" + VERSION);
        Path main = home.resolve("node_modules/azurite/dist/src/blob/main.js");
        if (Files.exists(main)) return main;
        Files.createDirectories(CACHE);
        // Two test JVMs (two modules' runs) may both find it missing: one installs, the other waits for it.
        try (FileChannel lockFile = FileChannel.open(CACHE.resolve("azurite.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (Files.exists(main)) return main;
            Path staging = Files.createTempDirectory(CACHE, "azurite-install");
            Process npm = new ProcessBuilder("npm", "install", "--prefix", staging.toString(), "--no-audit",
                    "--no-fund", "--prefer-offline", "--loglevel=error", "azurite@" + VERSION)
                    .redirectErrorStream(true).start();
            CompletableFuture<byte[]> log = CompletableFuture.supplyAsync(() -> {
                try {
                    return npm.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm install of azurite " + VERSION + " failed: these tests need "
                        + "the npm registry once (or an npm cache that holds it)\n"
                        + new String(log.join(), StandardCharsets.UTF_8));
            }
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            return main;
        }
    }

    /** Starts serving; after a {@link #stop()}, on the port of the first start. */
    public synchronized void start() throws Exception {
        if (process != null) return;
        Path main = installed();
        process = new ProcessBuilder("node", main.toString(), "--blobHost", "127.0.0.1", "--blobPort",
                Integer.toString(port), "--location", directory.toString(), "--skipApiVersionCheck", "--loose")
                .redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> listening = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) return Integer.parseInt(m.group(1));
                }
                return -1;
            } catch (IOException e) {
                return -1;
            }
        });
        Integer found = listening.get(60, TimeUnit.SECONDS);
        if (found < 0) {
            throw new IllegalStateException("Azurite did not start:\n" + String.join("\n", output));
        }
        port = found;
        // Keep reading its output so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (lines.readLine() != null) {
                    // discarded
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "azurite-output");
        drain.setDaemon(true);
        drain.start();
    }

    /** Stops serving; the blobs stay for the next {@link #start()}. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    /** The account's blob service URL, as {@code --azure-endpoint} takes it. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port + "/" + ACCOUNT);
    }

    public String container() {
        return container;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + ACCOUNT_KEY
                + ";BlobEndpoint=" + endpoint() + ";";
    }

    /** Settings for this server: its endpoint and the account key. */
    public AzureSettings settings() {
        return new AzureSettings(endpoint(), null, null, ACCOUNT_KEY);
    }

    @Override
    public synchronized void close() throws InterruptedException {
        stop();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
