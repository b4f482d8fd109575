package io.halite.core.raft;

import io.halite.core.log.EntryCodec;
import io.halite.core.sql.SqlRequest;
import java.nio.charset.StandardCharsets;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * A query to a member's state machine through Ratis (read-only, never logged), and its bytes. The first byte tells
 * the kinds apart; members of different versions exchange these, so the bytes must not change:
 * <ul>
 *   <li>no bytes: a {@link ReadIndexProbe};</li>
 *   <li>{@code 0}, a {@link MemberKind} byte, then UTF-8 text: a {@link MemberMessage};</li>
 *   <li>anything else: a {@link ForwardedRead}, in {@link EntryCodec#encodeRequest}'s format (whose first byte,
 *       its version, is 1 or 2).</li>
 * </ul>
 */
public sealed interface StateMachineQuery {
    /** The first byte of a member message. */
    byte MEMBER_MESSAGE = 0;

    /** The query's bytes, as Ratis sends them. */
    Message toMessage();

    /**
     * A linearizable read's ReadIndex probe: once Ratis lets the leader's state machine see it, every entry up to the
     * read index is applied there, and the answer is that index as decimal text.
     */
    record ReadIndexProbe() implements StateMachineQuery {
        @Override
        public Message toMessage() {
            return Message.EMPTY;
        }
    }

    /** A weak read a follower forwards to the leader, which runs it on its read connections. */
    record ForwardedRead(SqlRequest request) implements StateMachineQuery {
        @Override
        public Message toMessage() {
            return Message.valueOf(UnsafeByteOperations.unsafeWrap(EntryCodec.encodeRequest(request)));
        }
    }

    /** A message between members: what one tells or asks another about itself (see the node's member directory). */
    record MemberMessage(MemberKind kind, String text) implements StateMachineQuery {
        @Override
        public Message toMessage() {
            return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes()));
        }

        /** The message's bytes, as a member channel sends them. */
        public byte[] bytes() {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            byte[] message = new byte[2 + body.length];
            message[0] = MEMBER_MESSAGE;
            message[1] = kind.wire;
            System.arraycopy(body, 0, message, 2, body.length);
            return message;
        }
    }

    /**
     * The kinds of member message, each with its byte. A member reads a byte it does not know as {@link #ASK} (as
     * the first version did), so a new kind sent to an older member gets an ask's answer, which the sender ignores
     * or reads as such.
     */
    enum MemberKind {
        ASK(0),
        TELL(1),
        /**
         * What a member supports beyond the previous version's messages and entries, in a message of its own:
         * {@link #TELL} cannot carry it, as the previous version reads TELL's last line as a number.
         */
        ANNOUNCE(2),
        /** An ask answered with the cluster identity too (a line the previous version's parser cannot read). */
        ASK_WITH_IDENTITY(3),
        /** A tell carrying the cluster identity; the previous version answers it as an ask. */
        TELL_WITH_IDENTITY(4),
        /**
         * Asks a voter for its term and the leader it knows ({@link LeadershipCheck}); the previous version answers
         * it as an ask, which the leader counts as no.
         */
        LEADER_CHECK(5);

        private final byte wire;

        MemberKind(int wire) {
            this.wire = (byte) wire;
        }

        static MemberKind fromWire(byte wire) {
            for (MemberKind kind : values()) {
                if (kind.wire == wire) {
                    return kind;
                }
            }
            return ASK;
        }
    }

    /**
     * Reads a query's bytes.
     *
     * @throws RuntimeException for a member message without its kind, or a forwarded read in a format this node
     *                          does not read
     */
    static StateMachineQuery decode(ByteString content) {
        if (content.isEmpty()) {
            return new ReadIndexProbe();
        }
        if (content.byteAt(0) == MEMBER_MESSAGE) {
            if (content.size() < 2) {
                throw new IllegalArgumentException("a member message without its kind");
            }
            return new MemberMessage(MemberKind.fromWire(content.byteAt(1)), content.substring(2).toStringUtf8());
        }
        return new ForwardedRead(EntryCodec.decodeRequest(content.newInput()));
    }
}
