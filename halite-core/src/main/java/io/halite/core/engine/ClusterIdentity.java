package io.halite.core.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which cluster a data directory belongs to, kept in a file beside the database ({@code main.sqlite.cluster}).
 *
 * <p>The identity names the log entry that founded it: its index, its term and the start of the SHA-256 of its
 * bytes. Each entry carries its proposer's time stamp and random seed, so another cluster's entry at the same index
 * and term has other bytes. The founding entry is the first empty batch in the log (see {@code HaliteNode}), which
 * every member applies alike; a member that receives a copy of the database instead takes the identity that comes
 * with it. Empty means none yet: a new directory, or one written by a version without identities.
 */
public final class ClusterIdentity {
    private final Path file;
    private volatile String value;

    private ClusterIdentity(Path file, String value) {
        this.file = file;
        this.value = value;
    }

    /** The identity recorded beside {@code databaseFile}, or none. */
    public static ClusterIdentity load(Path databaseFile) throws IOException {
        Path file = fileFor(databaseFile);
        String value = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : "";
        return new ClusterIdentity(file, value);
    }

    /** Where the identity of the database at {@code databaseFile} is kept. */
    public static Path fileFor(Path databaseFile) {
        return databaseFile.resolveSibling(databaseFile.getFileName() + ".cluster");
    }

    /** The identity founded by the entry at {@code index} of {@code term} holding {@code entryBytes}. */
    public static String foundedBy(long index, long term, byte[] entryBytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(entryBytes);
            return index + "-" + term + "-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The identity, or empty if this directory has none yet. */
    public String value() {
        return value;
    }

    public boolean isKnown() {
        return !value.isEmpty();
    }

    /**
     * Records {@code identity} if none is recorded yet, durably (written beside, fsynced, renamed): the founding
     * entry may be committed to the database soon after, and a replay skips it then.
     *
     * @return whether it was recorded (false: an identity was already there, and stays)
     */
    public synchronized boolean adoptIfUnknown(String identity) throws IOException {
        if (isKnown() || identity.isEmpty()) {
            return false;
        }
        DurableFile.replace(file, (identity + "\n").getBytes(StandardCharsets.UTF_8));
        value = identity;
        return true;
    }
}
