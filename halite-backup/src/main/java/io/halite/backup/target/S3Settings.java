package io.halite.backup.target;

import java.net.URI;

/**
 * How to reach S3 or an S3-compatible store (MinIO, Ceph, R2...).
 *
 * @param endpoint        the service's address, or null for AWS S3 itself
 * @param region          the region to sign requests for, or null for $AWS_REGION, else us-east-1
 * @param pathStyle       address a bucket as {@code endpoint/bucket} rather than {@code bucket.endpoint}, as most
 *                        S3-compatible stores want
 * @param accessKeyId     with {@code secretAccessKey}, fixed credentials; both null for the AWS default chain
 *                        (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, instance or container roles)
 * @param secretAccessKey see {@code accessKeyId}
 * @param trust           which certificates an https endpoint may present, or null for the JDK's default CAs (for
 *                        a store whose certificate a private CA signed)
 */
public record S3Settings(URI endpoint, String region, boolean pathStyle, String accessKeyId, String secretAccessKey,
                         javax.net.ssl.TrustManager trust) {
    public S3Settings {
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("an S3 access key id and secret access key go together");
        }
    }

    /** Settings trusting the JDK's default CAs. */
    public S3Settings(URI endpoint, String region, boolean pathStyle, String accessKeyId, String secretAccessKey) {
        this(endpoint, region, pathStyle, accessKeyId, secretAccessKey, null);
    }

    /** Without the secret, so that the settings can be logged. */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                + ", accessKeyId=" + accessKeyId + "]";
    }
}
