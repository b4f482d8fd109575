package io.halite.backup.target;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/** Opens the target a {@code --backup} URL names. */
public final class BackupTargets {
    private BackupTargets() {}

    /**
     * {@code file:///path} is a {@link DirectoryTarget} (the directory is created if missing), {@code s3://bucket} or
     * {@code s3://bucket/prefix} an {@link S3Target} reached with {@code s3} (not used for a directory).
     */
    public static BackupTarget open(URI url, S3Settings s3) throws IOException {
        boolean plain = !url.isOpaque() && url.getQuery() == null && url.getFragment() == null;
        if ("file".equalsIgnoreCase(url.getScheme()) && plain && url.getAuthority() == null) {
            return new DirectoryTarget(Path.of(url));
        }
        if ("s3".equalsIgnoreCase(url.getScheme()) && plain && url.getAuthority() != null
                && url.getAuthority().matches("[A-Za-z0-9._-]+")) {
            String prefix = url.getPath().replaceAll("^/+|/+$", "");
            if (prefix.isEmpty() || ObjectNames.isValid(prefix)) return new S3Target(url.getAuthority(), prefix, s3);
        }
        if (url.getRawUserInfo() != null) {
            // Never repeat credentials: an error message ends up in logs.
            throw new IllegalArgumentException("--backup takes no credentials in its URL; give S3 keys with "
                    + "HALITE_S3_ACCESS_KEY_FILE and HALITE_S3_SECRET_KEY_FILE (or the AWS variables)");
        }
        throw new IllegalArgumentException("--backup takes file:///path or s3://bucket/prefix, not '" + url + "'");
    }
}
