package io.halite.backup;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A base copy: a consistent copy of the database at one log index, zstd-compressed, plus a manifest that
 * describes it and holds the SHA-256 of the stored object. The manifest is stored after the data, so a base
 * exists only once both are complete.
 */
public final class BaseCopy {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final int COMPRESSION_LEVEL = 3;

    private BaseCopy() {
    }

    /**
     * What a base holds. {@code timeMillis} is the pinned time of the entry at {@code index} (when the entry is
     * no longer known, the time the copy was taken, which is later: the base is then only used for later points).
     */
    public record Manifest(@JsonProperty("format") int format, @JsonProperty("generation") String generation,
                           @JsonProperty("index") long index, @JsonProperty("term") long term,
                           @JsonProperty("time_ms") long timeMillis,
                           @JsonProperty("database_bytes") long databaseBytes,
                           @JsonProperty("stored_bytes") long storedBytes,
                           @JsonProperty("sha256") String sha256) {
        public byte[] toJson() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public static Manifest fromJson(String name, InputStream in) throws IOException {
            try {
                Manifest m = JSON.readValue(in, Manifest.class);
                if (m.format() != 1 || m.sha256() == null) {
                    throw new DamagedObjectException(name, "not a base manifest of format 1");
                }
                return m;
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new DamagedObjectException(name, "it is not valid JSON");
            }
        }
    }

    /** Compresses {@code database} into {@code stored}; returns the manifest for it. */
    public static Manifest compress(Path database, Path stored, String generation, long index, long term,
                                    long timeMillis) throws IOException {
        MessageDigest digest = Segment.sha256();
        try (InputStream in = Files.newInputStream(database);
             OutputStream out = new ZstdOutputStream(new DigestOutputStream(Files.newOutputStream(stored), digest),
                     COMPRESSION_LEVEL)) {
            in.transferTo(out);
        }
        return new Manifest(1, generation, index, term, timeMillis, Files.size(database), Files.size(stored),
                HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * Decompresses a stored base into {@code database}, checking it against its manifest.
     *
     * @throws DamagedObjectException if the object does not match the manifest's size and checksum
     */
    public static void decompress(String name, InputStream stored, Manifest manifest, Path database)
            throws IOException {
        MessageDigest digest = Segment.sha256();
        CountingInputStream counted = new CountingInputStream(new DigestInputStream(stored, digest));
        try (InputStream in = new ZstdInputStream(counted);
             OutputStream out = Files.newOutputStream(database)) {
            in.transferTo(out);
            // Drain whatever the decompressor did not need, so the checksum covers the whole object.
            counted.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            if (e instanceof DamagedObjectException) {
                throw e;
            }
            throw new DamagedObjectException(name, "it cannot be decompressed (" + e.getMessage() + ")");
        }
        String sha = HexFormat.of().formatHex(digest.digest());
        if (counted.count != manifest.storedBytes() || !sha.equals(manifest.sha256())) {
            throw new DamagedObjectException(name, "its size or SHA-256 does not match its manifest");
        }
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
