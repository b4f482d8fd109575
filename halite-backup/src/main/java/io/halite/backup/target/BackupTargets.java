package io.halite.backup.target;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Opens the target a {@code --backup} URL names: one opener per URL scheme. */
public final class BackupTargets {
    static final String FORMS = "file:///path, s3://bucket/prefix or az://account/container/prefix";

    private BackupTargets() {}

    /** How to reach the stores that need more than their URL. */
    public record Settings(S3Settings s3, AzureSettings azure) {
        /** AWS's and Azure's defaults (credentials from their environments). */
        public static final Settings DEFAULT = new Settings(null, AzureSettings.DEFAULT);
    }

    private interface Opener {
        /** The target for {@code url}, or null if the URL does not have this scheme's form. */
        BackupTarget open(URI url, String prefix, Settings settings) throws IOException;
    }

    private static final Map<String, Opener> OPENERS = Map.of(
            "file", (url, prefix, settings) -> url.getAuthority() == null ? new DirectoryTarget(Path.of(url)) : null,
            "s3", (url, prefix, settings) -> url.getAuthority().matches("[A-Za-z0-9._-]+")
                    ? new S3Target(url.getAuthority(), prefix, settings.s3())
                    : null,
            "az", BackupTargets::openAzure);

    /**
     * {@code file:///path} is a {@link DirectoryTarget} (the directory is created if missing), {@code s3://bucket}
     * or {@code s3://bucket/prefix} an {@link S3Target}, {@code az://account/container} or
     * {@code az://account/container/prefix} an {@link AzureTarget}.
     *
     * @throws IllegalArgumentException for any other URL, or settings that cannot reach the target
     */
    public static BackupTarget open(URI url, Settings settings) throws IOException {
        boolean plain = url.getScheme() != null && !url.isOpaque() && url.getQuery() == null
                && url.getFragment() == null && url.getUserInfo() == null;
        Opener opener = plain ? OPENERS.get(url.getScheme().toLowerCase(Locale.ROOT)) : null;
        if (opener != null && (url.getScheme().equalsIgnoreCase("file") || url.getAuthority() != null)) {
            String prefix = url.getPath().replaceAll("^/+|/+$", "");
            if (url.getScheme().equalsIgnoreCase("file") || prefix.isEmpty() || ObjectNames.isValid(prefix)) {
                BackupTarget target = opener.open(url, prefix, settings);
                if (target != null) return target;
            }
        }
        if (url.getRawUserInfo() != null) {
            // Never repeat credentials: an error message ends up in logs.
            throw new IllegalArgumentException("--backup takes no credentials in its URL; give S3 keys with "
                    + "HALITE_S3_ACCESS_KEY_FILE and HALITE_S3_SECRET_KEY_FILE (or the AWS variables), Azure ones "
                    + "with HALITE_AZURE_*_FILE");
        }
        throw new IllegalArgumentException("--backup takes " + FORMS + ", not '" + url + "'");
    }

    /** {@code prefix} is {@code container[/prefix]}. */
    private static BackupTarget openAzure(URI url, String path, Settings settings) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("an az:// backup URL names a container: az://" + url.getAuthority()
                    + "/CONTAINER or az://" + url.getAuthority() + "/CONTAINER/PREFIX, not '" + url + "'");
        }
        int slash = path.indexOf('/');
        return new AzureTarget(url.getAuthority(), slash < 0 ? path : path.substring(0, slash),
                slash < 0 ? "" : path.substring(slash + 1), settings.azure());
    }
}
