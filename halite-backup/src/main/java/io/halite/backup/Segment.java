package io.halite.backup;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import io.halite.core.log.EntryCodec;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run of committed log entries as stored in a backup: entries {@code first..last} of the log (Raft-internal
 * entries in that range carry no data and are left out). The object is zstd-compressed; inside, a header repeats
 * the range, each record holds an entry's index, term, pinned time and bytes, and a SHA-256 of everything before
 * it closes the object, so a damaged or truncated object is always detected.
 */
public record Segment(long first, long last, List<Record> records) {
    private static final int MAGIC = 0x484C5347; // "HLSG"
    private static final int VERSION = 1;
    /** Segments are written continuously on the leader: the fastest level. */
    private static final int COMPRESSION_LEVEL = 1;

    /** One log entry: its Raft index and term, the time its proposer pinned, and its encoded content. */
    public record Record(long index, long term, long stampMillis, byte[] data) {
        public static Record of(long index, long term, byte[] data) {
            return new Record(index, term, EntryCodec.stampMillis(data), data);
        }
    }

    public Segment {
        records = List.copyOf(records);
        if (records.isEmpty() || records.get(0).index() < first || records.get(records.size() - 1).index() != last) {
            throw new IllegalArgumentException("a segment ends with its last record and holds only its range");
        }
    }

    public long lastStampMillis() {
        return records.get(records.size() - 1).stampMillis();
    }

    public long lastTerm() {
        return records.get(records.size() - 1).term();
    }

    /** The compressed object. */
    public byte[] encode() {
        try {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            MessageDigest digest = sha256();
            DigestOutputStream digesting = new DigestOutputStream(raw, digest);
            DataOutputStream out = new DataOutputStream(digesting);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(first);
            out.writeLong(last);
            out.writeInt(records.size());
            for (Record r : records) {
                out.writeLong(r.index());
                out.writeLong(r.term());
                out.writeLong(r.stampMillis());
                out.writeInt(r.data().length);
                out.write(r.data());
            }
            out.flush();
            digesting.on(false);
            out.write(digest.digest());
            return Zstd.compress(raw.toByteArray(), COMPRESSION_LEVEL);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads and verifies a segment object.
     *
     * @throws DamagedObjectException if it cannot be decompressed, its checksum does not match, or its content
     *         does not match its name
     */
    public static Segment decode(String name, InputStream compressed, long expectedFirst, long expectedLast)
            throws IOException {
        MessageDigest digest = sha256();
        DigestInputStream digesting = new DigestInputStream(
                new BufferedInputStream(new ZstdInputStream(compressed), 1 << 16), digest);
        try (DataInputStream in = new DataInputStream(digesting)) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new DamagedObjectException(name, "not a Halite log segment of format " + VERSION);
            }
            long first = in.readLong();
            long last = in.readLong();
            if (first != expectedFirst || last != expectedLast) {
                throw new DamagedObjectException(name, "it holds entries " + first + "-" + last + ", not what its name says");
            }
            int count = in.readInt();
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long index = in.readLong();
                long term = in.readLong();
                long stamp = in.readLong();
                int length = in.readInt();
                if (length < 0 || length > 1 << 30) {
                    throw new DamagedObjectException(name, "a record claims " + length + " bytes");
                }
                byte[] data = new byte[length];
                in.readFully(data);
                records.add(new Record(index, term, stamp, data));
            }
            byte[] computed = digest.digest();
            digesting.on(false);
            byte[] stored = new byte[computed.length];
            in.readFully(stored);
            if (!Arrays.equals(stored, computed)) {
                throw new DamagedObjectException(name, "its checksum does not match its content");
            }
            if (in.read() != -1) {
                throw new DamagedObjectException(name, "it has data after its checksum");
            }
            return new Segment(first, last, records);
        } catch (EOFException e) {
            throw new DamagedObjectException(name, "it is truncated");
        } catch (DamagedObjectException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new DamagedObjectException(name, "it cannot be read (" + e.getMessage() + ")");
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
