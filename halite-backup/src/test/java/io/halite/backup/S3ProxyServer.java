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
 * with the same objects.
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
        this.bucket = bucket;
        directory = Files.createTempDirectory("s3proxy");
        store = new FilesystemNio2BlobStore(directory.toString());
        store.createContainer(bucket);
        start();
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
