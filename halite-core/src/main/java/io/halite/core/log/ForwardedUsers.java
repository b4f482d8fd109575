package io.halite.core.log;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The user names of a batch a follower forwards to the leader, sent as a trailer after the encoded entry: the
 * leader reads them, checks them against its own users, and logs only the entry in front of them.
 *
 * <p>Layout after the entry's last byte: format version (1), request count (int), one user name per request (int
 * length, UTF-8; empty for a request that names nobody), then {@link #MAGIC} (int). A trailer rather than a prefix
 * because {@link EntryCodec#decode} stops at the entry's end: a leader of an earlier version that receives one
 * anyway (leadership moved while the batch was on its way) logs and applies it like the bare entry, with the names
 * in its log, instead of stopping on an entry it cannot decode.
 *
 * <p>The entry is decoded to find where it ends, so an entry whose last bytes happen to equal the magic is still
 * told apart: it has nothing after it.
 */
public final class ForwardedUsers {
    /** "HUSR": the last four bytes of a batch that carries user names. */
    public static final int MAGIC = 0x48555352;
    private static final int VERSION = 1;

    /** An entry and the user names that came after it. */
    public record Split(LogEntry.Batch entry, int entryLength, List<String> users) {
        public Split {
            users = List.copyOf(users);
        }
    }

    private ForwardedUsers() {}

    /** {@code entry} (an encoded batch) followed by the user name of each of its requests, in order. */
    public static byte[] append(byte[] entry, List<String> users) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(entry.length + 16 + 16 * users.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(entry);
            out.writeByte(VERSION);
            out.writeInt(users.size());
            for (String user : users) {
                byte[] name = user.getBytes(StandardCharsets.UTF_8);
                out.writeInt(name.length);
                out.write(name);
            }
            out.writeInt(MAGIC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The entry and user names of {@code message}, or null if it is a bare entry (or not one this can decode: it
     * is then left to fail where any such entry fails).
     *
     * @throws IllegalArgumentException if user names follow the entry but are malformed or do not match its
     *                                  requests one to one
     */
    public static Split split(byte[] message) {
        if (message.length < 4 || ByteBuffer.wrap(message, message.length - 4, 4).getInt() != MAGIC) {
            return null;
        }
        ByteArrayInputStream in = new ByteArrayInputStream(message);
        LogEntry entry;
        try {
            entry = EntryCodec.decode(in);
        } catch (RuntimeException e) {
            return null;
        }
        int entryLength = message.length - in.available();
        if (entryLength == message.length) {
            return null;
        }
        if (!(entry instanceof LogEntry.Batch batch)) {
            throw new IllegalArgumentException("user names follow a log entry that is not a batch of requests");
        }
        List<String> users = readUsers(new DataInputStream(in), in, batch.requests().size());
        return new Split(batch, entryLength, users);
    }

    private static List<String> readUsers(DataInputStream data, ByteArrayInputStream in, int requests) {
        try {
            int version = data.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("user names of format version " + version + " are not supported");
            }
            int count = data.readInt();
            if (count != requests) {
                throw new IllegalArgumentException(count + " user names follow a batch of " + requests + " requests");
            }
            List<String> users = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = data.readInt();
                if (length < 0 || length > in.available() - 4) {
                    throw new IllegalArgumentException("truncated user names");
                }
                users.add(new String(data.readNBytes(length), StandardCharsets.UTF_8));
            }
            if (in.available() != 4) {
                throw new IllegalArgumentException("unexpected bytes after the user names");
            }
            return users;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated user names", e);
        }
    }
}
