package io.halite.core.raft;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.ForwardedUsers;
import io.halite.core.log.LogEntry;
import io.halite.core.node.NodeException;
import io.halite.core.sql.StatementResult;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.api.AsyncApi;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Proposes log entries to the Raft group and turns the group's reply into the entry's results or a
 * {@link NotConfirmed} failure: the one place where a write meets Ratis. The write batcher, interactive transactions
 * and loads all propose through it. Linearizable reads ask for their read index through it too.
 *
 * <p>On the leader a request goes straight into the local Raft server, saving a gRPC round trip to itself; elsewhere
 * the Raft client sends it to the leader (and follows leader changes).
 */
public final class Proposer {
    /** A committed and applied entry: what each of its requests got, and its log index. */
    public record Committed(List<List<StatementResult>> results, long logIndex) {}

    /**
     * The group did not confirm the entry. If {@link #refused()}, the group answered that it did not apply it;
     * otherwise its outcome is unknown (no answer, or the connection failed).
     */
    public static final class NotConfirmed extends RuntimeException {
        private final boolean refused;

        NotConfirmed(boolean refused, String why) {
            super(why, null, false, false);
            this.refused = refused;
        }

        public boolean refused() {
            return refused;
        }

        /**
         * The failure a client is answered with when {@code subject} (empty for no subject) was sent to the log but
         * not confirmed, for the reason {@code why}: the one wording of "outcome unknown".
         */
        public static NodeException outcomeUnknown(String subject, String why) {
            return NodeException.outcomeUnknown((subject.isEmpty() ? "" : subject + " was ")
                    + "not confirmed, so it may or may not have been applied: " + why);
        }
    }

    private final RaftServer server;
    private final RaftGroupId group;
    private final Supplier<RaftClient> client;
    private final BooleanSupplier isLeader;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    /**
     * @param server   this node's Raft server, for proposals made while it leads
     * @param group    the database's Raft group
     * @param client   a client of the group, for proposals made while another node leads
     * @param isLeader whether this node leads now
     */
    public Proposer(RaftServer server, RaftGroupId group, Supplier<RaftClient> client, BooleanSupplier isLeader) {
        this.server = server;
        this.group = group;
        this.client = client;
        this.isLeader = isLeader;
    }

    /** Proposes {@code entry}; the future fails with {@link NotConfirmed} unless the entry was committed and applied. */
    public CompletableFuture<Committed> propose(LogEntry entry) {
        return propose(entry, null);
    }

    /**
     * {@link #propose(LogEntry)}, with the user of each of the batch's requests sent after it (to a leader that
     * takes them, see {@link ForwardedUsers}), unless {@code users} is null.
     */
    public CompletableFuture<Committed> propose(LogEntry entry, List<String> users) {
        CompletableFuture<RaftClientReply> reply;
        try {
            byte[] encoded = EntryCodec.encode(entry);
            if (users != null) {
                encoded = ForwardedUsers.append(encoded, users);
            }
            reply = submit(Message.valueOf(UnsafeByteOperations.unsafeWrap(encoded)));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((r, error) -> {
            if (error != null) {
                throw new NotConfirmed(false, RaftFailures.explain(error));
            }
            if (!r.isSuccess()) {
                throw new NotConfirmed(true, r.getException() == null ? "refused" : RaftFailures.explain(r.getException()));
            }
            // An entry that was already applied before a restart is answered without results.
            List<List<StatementResult>> results = r.getMessage().getContent().isEmpty() ? List.of()
                    : EntryCodec.decodeResults(r.getMessage().getContent().newInput());
            return new Committed(results, r.getLogIndex());
        });
    }

    /** The {@link NotConfirmed} failure behind a failed proposal's exception, however it was wrapped. */
    public static NotConfirmed notConfirmed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof NotConfirmed n ? n : new NotConfirmed(false, RaftFailures.explain(cause));
    }

    /**
     * Sends a read-only request (a ReadIndex): the leader's state machine answers it once it has applied up to the read
     * index and confirmed that it still leads ({@link LeadershipCheck}).
     */
    CompletableFuture<RaftClientReply> sendReadOnly(Message message) {
        return submit(message, RaftClientRequest.readRequestType(), async -> async.sendReadOnly(message));
    }

    private CompletableFuture<RaftClientReply> submit(Message message) {
        return submit(message, RaftClientRequest.writeRequestType(), async -> async.send(message));
    }

    /**
     * Submits {@code message} as a request of {@code type}: into the local Raft server while this node leads,
     * otherwise (or if the local server turns it away before taking it) by {@code throughClient}.
     */
    private CompletableFuture<RaftClientReply> submit(Message message, RaftClientRequest.Type type,
                                                      Function<AsyncApi, CompletableFuture<RaftClientReply>> throughClient) {
        if (!isLeader.getAsBoolean()) {
            return throughClient.apply(client.get().async());
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(server.getId())
                .setGroupId(group)
                .setCallId(callIds.incrementAndGet())
                .setMessage(message)
                .setType(type)
                .build();
        try {
            // The division takes the request on this thread. RaftServer's own submitClientRequestAsync hands each
            // request to a pool thread and blocks until that thread has appended it: two thread switches per entry.
            RaftServer.Division division = server.getDivision(group);
            CompletableFuture<RaftClientReply> submitted = division instanceof RaftClientAsynchronousProtocol direct
                    ? direct.submitClientRequestAsync(request) : server.submitClientRequestAsync(request);
            return submitted.handle((reply, error) -> turnedAway(type, reply, error)
                            ? throughClient.apply(client.get().async()) : submitted)
                    .thenCompose(Function.identity());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Whether the local server refused a request before acting on it, so that sending it again the ordinary way (which
     * finds the leader) cannot apply it twice: a write refused because the new leader is not ready yet, or a read
     * refused or failed because this node no longer leads (a read changes nothing).
     */
    private static boolean turnedAway(RaftClientRequest.Type type, RaftClientReply reply, Throwable error) {
        boolean read = type.is(RaftClientRequestProto.TypeCase.READ);
        if (reply == null) {
            return read && RaftFailures.isNotLeader(error);
        }
        return reply.getLeaderNotReadyException() != null || (read && reply.getNotLeaderException() != null);
    }
}
