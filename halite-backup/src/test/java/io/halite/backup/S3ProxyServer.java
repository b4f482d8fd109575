package io.halite.backup;

import io.halite.backup.target.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3 server for tests: S3Proxy on 127.0.0.1, keeping its objects in a temporary directory, with one bucket and
 * fixed credentials. {@link #stop()} and {@link #start()} make an outage: the server comes back on the same port
 * with the same objects. {@link #main} runs one standalone (scripts/backup-benchmarks.sh).
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "halite";
    public static final String SECRET_KEY = "halite-secret";

    private final Path directory;
    private final BlobStore store;
    private final String bucket;
    private int port;
    private S3Proxy proxy;

    /** Starts a server with the bucket "halite". */
    public S3ProxyServer() throws Exception {
        this("halite");
    }

    public S3ProxyServer(String bucket) throws Exception {
        this(Files.createTempDirectory("s3proxy"), bucket, 0);
    }

    /** Serves {@code bucket} from {@code directory} on {@code port} (0: any free port). */
    private S3ProxyServer(Path directory, String bucket, int port) throws Exception {
        this.bucket = bucket;
        this.directory = directory;
        this.port = port;
        store = new FilesystemNio2BlobStore(directory.toString());
        if (!store.containerExists(bucket)) {
            store.createContainer(bucket);
        }
        start();
    }

    /**
     * Runs S3Proxy standalone until the process is killed: {@code S3ProxyServer DIRECTORY [PORT]} serves the bucket
     * "halite" with the test credentials ({@value #ACCESS_KEY} / {@value #SECRET_KEY}) on 127.0.0.1:PORT (0 or
     * none: a free port), keeping the objects in DIRECTORY (created if missing, left in place on exit). Once it
     * serves, it prints one line to standard output: {@code S3PROXY endpoint=http://127.0.0.1:N bucket=halite}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: S3ProxyServer DIRECTORY [PORT]");
            System.exit(2);
        }
        Path directory = Files.createDirectories(Path.of(args[0]));
        int port = args.length == 2 ? Integer.parseInt(args[1]) : 0;
        S3ProxyServer server = new S3ProxyServer(directory, "halite", port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.err.println("S3Proxy did not stop: " + e);
            } finally {
                server.store.close();
            }
        }, "s3proxy-shutdown"));
        System.out.println("S3PROXY endpoint=" + server.endpoint() + " bucket=" + server.bucket());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Starts serving; after a {@link #stop()}, on the port of the first start. */
    public synchronized void start() throws Exception {
        if (proxy != null) return;
        S3Proxy started = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .stopTimeout(0)
                .build();
        started.start();
        port = started.getPort();
        proxy = started;
    }

    /** Stops serving, dropping open connections; the objects stay for the next {@link #start()}. */
    public synchronized void stop() throws Exception {
        if (proxy == null) return;
        proxy.stop();
        proxy = null;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String bucket() {
        return bucket;
    }

    /** Settings for this server: its endpoint, path-style addressing and the test credentials. */
    public S3Settings settings() {
        return new S3Settings(endpoint(), "us-east-1", true, ACCESS_KEY, SECRET_KEY);
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            store.close();
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
