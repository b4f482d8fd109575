package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.log.EntryCodec;
import io.halite.core.log.ForwardedUsers;
import io.halite.core.log.LogEntry;
import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.util.List;
import java.util.Map;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class ForwardedUserGateTest {
    private static final LogEntry.Batch BATCH = new LogEntry.Batch(1, 2, 3, List.of(
            new SqlRequest(List.of(new SqlStatement("INSERT INTO t VALUES(1)", List.of(), Map.of())), false),
            new SqlRequest(List.of(new SqlStatement("INSERT INTO t VALUES(2)", List.of(), Map.of())), false),
            new SqlRequest(List.of(new SqlStatement("INSERT INTO t VALUES(3)", List.of(), Map.of())), false)));
    private static final ByteString NAMED = ByteString.copyFrom(
            ForwardedUsers.append(EntryCodec.encode(BATCH), List.of("alice", "bob", "")));

    @Test
    void aBareEntryIsLoggedAsItCame() {
        ByteString bare = ByteString.copyFrom(EntryCodec.encode(BATCH));
        ForwardedUserGate.Opened opened = ForwardedUserGate.open(bare, (user, writes) -> "refused");
        assertThat(opened.logData()).isSameAs(bare);
        assertThat(opened.users()).isNull();
    }

    @Test
    void allowedUsersLeaveExactlyTheBareEntryInTheLog() {
        ForwardedUserGate.Opened opened = ForwardedUserGate.open(NAMED, (user, writes) -> null);
        assertThat(opened.logData().toByteArray()).isEqualTo(EntryCodec.encode(BATCH));
        assertThat(opened.users()).containsExactly("alice", "bob", "");
        // Without users of its own the leader checks nothing, and still logs the bare entry.
        assertThat(ForwardedUserGate.open(NAMED, null).logData().toByteArray()).isEqualTo(EntryCodec.encode(BATCH));
    }

    @Test
    void aRefusedRequestIsLoggedWithoutStatementsAndTheOthersKeepTheirPlaces() {
        ForwardedUserGate.Opened opened = ForwardedUserGate.open(NAMED,
                (user, writes) -> user.equals("bob") && writes ? "user 'bob' lacks the 'execute' permission" : null);
        LogEntry.Batch logged = (LogEntry.Batch) EntryCodec.decode(opened.logData().newInput());
        assertThat(logged.requests().get(0)).isEqualTo(BATCH.requests().get(0));
        assertThat(logged.requests().get(1).statements()).isEmpty();
        assertThat(logged.requests().get(2)).isEqualTo(BATCH.requests().get(2));
        assertThat(List.of(logged.stampMillis(), logged.seed(), logged.statementBudget())).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aRequestWithoutAUserNameIsNotChecked() {
        ForwardedUserGate.Opened opened = ForwardedUserGate.open(NAMED,
                (user, writes) -> user.isEmpty() ? "an empty name was checked" : null);
        assertThat(opened.logData().toByteArray()).isEqualTo(EntryCodec.encode(BATCH));
    }

    @Test
    void malformedNamesRefuseTheWholeRequest() {
        ByteString short1 = ByteString.copyFrom(ForwardedUsers.append(EntryCodec.encode(BATCH), List.of("alice")));
        assertThatThrownBy(() -> ForwardedUserGate.open(short1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("1 user names follow a batch of 3 requests");
    }
}
