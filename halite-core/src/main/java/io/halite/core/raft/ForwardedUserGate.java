package io.halite.core.raft;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.ForwardedUsers;
import io.halite.core.log.LogEntry;
import io.halite.core.node.ForwardedUserCheck;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.StatementResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of {@link ForwardedUsers}: before a forwarded batch is logged, the user names are taken off and
 * each named request is checked against this node's users. A refused request is logged as a request without
 * statements, so it changes nothing on any replica while the others keep their positions (and their results); its
 * forwarder answers it as refused (see {@link WriteBatcher}).
 */
final class ForwardedUserGate {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardedUserGate.class);
    private static final SqlRequest REFUSED = new SqlRequest(List.of(), false);

    /** What goes into the log, and the user of each request (null for a bare entry). */
    record Opened(ByteString logData, List<String> users) {}

    private ForwardedUserGate() {}

    /**
     * @param check this node's verdict on a user, or null when it has no users (every member is trusted)
     * @throws IllegalArgumentException if the user names are malformed: the request is refused, nothing is logged
     */
    static Opened open(ByteString message, ForwardedUserCheck check) {
        if (!endsWithMagic(message)) {
            return new Opened(message, null);
        }
        ForwardedUsers.Split split = ForwardedUsers.split(message.toByteArray());
        if (split == null) {
            return new Opened(message, null);
        }
        List<SqlRequest> requests = split.entry().requests();
        List<SqlRequest> logged = new ArrayList<>(requests);
        boolean refusedAny = false;
        for (int i = 0; i < requests.size(); i++) {
            String user = split.users().get(i);
            String refusal = check == null || user.isEmpty() ? null : check.refusal(user, !requests.get(i).readOnly());
            if (refusal != null) {
                LOG.warn("refused a request forwarded for user '{}': {}", user, refusal);
                logged.set(i, REFUSED);
                refusedAny = true;
            }
        }
        if (!refusedAny) {
            return new Opened(message.substring(0, split.entryLength()), split.users());
        }
        LogEntry.Batch entry = split.entry();
        byte[] rewritten = EntryCodec.encode(new LogEntry.Batch(entry.stampMillis(), entry.seed(),
                entry.statementBudget(), logged));
        return new Opened(UnsafeByteOperations.unsafeWrap(rewritten), split.users());
    }

    private static boolean endsWithMagic(ByteString message) {
        int n = message.size();
        return n >= 4 && message.substring(n - 4).asReadOnlyByteBuffer().getInt() == ForwardedUsers.MAGIC;
    }

    /** Names the user of each forwarded request that failed here (the forwarder's client sees only the error). */
    static void logFailures(List<String> users, List<List<StatementResult>> results) {
        for (int i = 0; i < users.size() && i < results.size(); i++) {
            String user = users.get(i);
            if (user.isEmpty()) {
                continue;
            }
            for (StatementResult result : results.get(i)) {
                if (result instanceof StatementResult.Failed failed) {
                    LOG.info("a request forwarded for user '{}' failed: {}", user, failed.error());
                    break;
                }
            }
        }
    }
}
