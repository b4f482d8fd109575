package io.halite.backup.target;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A bucket of S3 or an S3-compatible store, or a prefix in one. A PUT is atomic in S3. Files above 64 MB go up as
 * a multipart upload, which is atomic too (the object appears when the upload completes); a failed one is aborted
 * so that its parts are not left behind to pay for.
 */
public final class S3Target implements BackupTarget {
    static final long MULTIPART_THRESHOLD = 64L << 20;
    private static final long PART_SIZE = 32L << 20;
    private static final int MAX_PARTS = 10_000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** For an attempt at a call (uploads get more, see uploadTimeout) and for any wait for data on the connection. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** The slowest upload, in bytes per second, that is not taken for a hung one. */
    private static final long SLOWEST_UPLOAD = 256 << 10;

    private final S3Client s3;
    private final String bucket;
    /** "" or the prefix with a trailing '/'. */
    private final String prefix;

    public S3Target(String bucket, String prefix, S3Settings settings) {
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() ? "" : ObjectNames.check(prefix) + "/";
        this.s3 = client(settings);
    }

    private static S3Client client(S3Settings settings) {
        String region = settings.region() != null
                ? settings.region()
                : Objects.requireNonNullElse(System.getenv("AWS_REGION"), "us-east-1");
        AwsCredentialsProvider credentials = settings.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(CALL_TIMEOUT);
        if (settings.trust() != null) {
            http.tlsTrustManagersProvider(() -> new javax.net.ssl.TrustManager[] {settings.trust()});
        }
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(http)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(CALL_TIMEOUT))
                .region(Region.of(region))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials);
        if (settings.endpoint() != null) builder.endpointOverride(settings.endpoint());
        return builder.build();
    }

    @Override
    public void put(String name, Path file) throws IOException {
        long size = Files.size(file);
        if (size > MULTIPART_THRESHOLD) {
            putMultipart(name, file, size);
            return;
        }
        String key = key(name);
        call("put", name, () -> s3.putObject(
                b -> b.bucket(bucket).key(key).overrideConfiguration(o -> o.apiCallAttemptTimeout(uploadTimeout(size))),
                RequestBody.fromFile(file)));
    }

    @Override
    public void put(String name, byte[] content) throws IOException {
        String key = key(name);
        call("put", name, () -> s3.putObject(
                b -> b.bucket(bucket).key(key)
                        .overrideConfiguration(o -> o.apiCallAttemptTimeout(uploadTimeout(content.length))),
                RequestBody.fromBytes(content)));
    }

    private void putMultipart(String name, Path file, long size) throws IOException {
        String key = key(name);
        String uploadId = call("put", name, () -> s3.createMultipartUpload(
                b -> b.bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId());
        try {
            long partSize = Math.max(PART_SIZE, (size + MAX_PARTS - 1) / MAX_PARTS);
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += partSize) {
                int number = parts.size() + 1;
                long length = Math.min(partSize, size - offset);
                try (FilePart part = new FilePart(file, offset, length)) {
                    UploadPartResponse uploaded = call("put", name, () -> s3.uploadPart(
                            b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                                    .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                                    .overrideConfiguration(o -> o.apiCallAttemptTimeout(uploadTimeout(length))),
                            RequestBody.fromContentProvider(part, length, "application/octet-stream")));
                    parts.add(CompletedPart.builder().partNumber(number)
                            .eTag(uploaded.eTag()).checksumCRC32(uploaded.checksumCRC32()).build());
                }
            }
            // S3 takes longer to complete a larger upload.
            call("put", name, () -> s3.completeMultipartUpload(
                    b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))
                            .overrideConfiguration(o -> o.apiCallAttemptTimeout(uploadTimeout(size)))));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
    }

    private static Duration uploadTimeout(long bytes) {
        return CALL_TIMEOUT.plusSeconds(bytes / SLOWEST_UPLOAD);
    }

    @Override
    public InputStream open(String name) throws IOException {
        String key = key(name);
        try {
            return new CheckedStream<>(s3.getObject(b -> b.bucket(bucket).key(key)), SdkException.class,
                    e -> failure("get", name, e));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(describe(name));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) throw new NoSuchFileException(describe(name));
            throw failure("get", name, e);
        } catch (SdkException e) {
            throw failure("get", name, e);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        String keyPrefix = this.prefix + ObjectNames.checkPrefix(prefix);
        List<StoredObject> objects = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix)).contents()) {
                objects.add(new StoredObject(object.key().substring(this.prefix.length()), object.size()));
            }
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        objects.sort(Comparator.comparing(StoredObject::name));
        return objects;
    }

    @Override
    public void delete(String name) throws IOException {
        String key = key(name);
        call("delete", name, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    /** A conditional PUT, {@code If-None-Match: *}. */
    @Override
    public boolean putIfAbsent(String name, byte[] content) throws IOException {
        String key = key(name);
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(content));
            return true;
        } catch (AwsServiceException e) {
            // 412: the object exists; 409: another conditional write to it was under way.
            if (e.statusCode() == 412 || e.statusCode() == 409) return hasContent(name, content);
            throw failure("put", name, e);
        } catch (SdkException e) {
            throw failure("put", name, e);
        }
    }

    @Override
    public String describe() {
        return prefix.isEmpty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix.substring(0, prefix.length() - 1);
    }

    private String describe(String name) {
        return "s3://" + bucket + "/" + prefix + name;
    }

    @Override
    public void close() {
        s3.close();
    }

    private String key(String name) {
        return prefix + ObjectNames.check(name);
    }

    private <T> T call(String operation, String name, Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (SdkException e) {
            throw failure(operation, name, e);
        }
    }

    private IOException failure(String operation, String name, SdkException e) {
        String code = errorCode(e);
        return new IOException(
                "S3 " + operation + " of " + describe(name) + " failed: " + (code == null ? "" : code + ": ") + e.getMessage(), e);
    }

    private static String errorCode(SdkException e) {
        return e instanceof AwsServiceException s && s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
    }

    /** A slice of a file as the SDK reads a request body: from the start again for each attempt. */
    private static final class FilePart implements ContentStreamProvider, Closeable {
        private final FileChannel channel;
        private final long start;
        private final long end;

        FilePart(Path file, long start, long length) throws IOException {
            this.channel = FileChannel.open(file);
            this.start = start;
            this.end = start + length;
        }

        @Override
        public InputStream newStream() {
            return new InputStream() {
                private long position = start;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (position >= end) return -1;
                    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
                    if (n < 0) throw new EOFException("the file shrank while it was being uploaded");
                    position += n;
                    return n;
                }
            };
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
