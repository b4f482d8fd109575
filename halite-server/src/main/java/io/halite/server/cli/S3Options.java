package io.halite.server.cli;

import io.halite.backup.target.BackupTarget;
import io.halite.backup.target.BackupTargets;
import io.halite.backup.target.S3Settings;
import java.net.URI;
import picocli.CommandLine.Option;

/**
 * How to reach S3-compatible storage, for {@code s3://} backup URLs. Unset values come from the usual AWS
 * environment variables and profiles (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, ...).
 */
public final class S3Options {
    /** Options whose values are secrets: never logged, and also read from a file (see {@link EnvironmentOptions}). */
    static final java.util.Set<String> SECRET_OPTIONS = java.util.Set.of("--s3-access-key", "--s3-secret-key");

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3 API endpoint for S3-compatible storage (MinIO, Ceph, R2, ...); default: AWS.")
    URI endpoint;

    @Option(names = "--s3-region", description = "S3 region (default: AWS_REGION, else us-east-1).")
    String region;

    @Option(names = "--s3-path-style", description = "Address buckets as endpoint/bucket rather than bucket.endpoint (most S3-compatible servers need this).")
    boolean pathStyle;

    @Option(names = "--s3-access-key", description = "S3 access key id (default: AWS_ACCESS_KEY_ID or the AWS profile).")
    String accessKey;

    @Option(names = "--s3-secret-key", description = "S3 secret access key (default: AWS_SECRET_ACCESS_KEY or the AWS profile).")
    String secretKey;

    @Option(names = "--s3-ca-cert", paramLabel = "FILE",
            description = "PEM CA certificates that sign an https:// --s3-endpoint's certificate (default: the JDK's CAs).")
    java.nio.file.Path caCert;

    BackupTarget open(URI url) throws java.io.IOException {
        javax.net.ssl.TrustManager trust = null;
        if (caCert != null) {
            try {
                trust = new io.halite.server.tls.ReloadingTrustManager("--s3-ca-cert", java.util.List.of(caCert),
                        true, false);
            } catch (io.halite.server.tls.TlsFileException e) {
                throw new IllegalArgumentException("--s3-ca-cert: " + e.getMessage());
            }
        }
        return BackupTargets.open(url, new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, trust));
    }
}
