package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.engine.ClusterIdentity;
import io.halite.core.engine.SqliteDatabase;
import java.nio.file.Path;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStateMachineTest {
    @TempDir
    Path dir;

    /**
     * Ratis keeps this context from the moment a follower appends the entry until it is applied: with the data in
     * it, a follower catching up held every appended, unapplied entry on its heap.
     */
    @Test
    void theContextOfAnEntryThisNodeDidNotProposeHoldsNoneOfItsData() throws Exception {
        Path database = dir.resolve("main.sqlite");
        SqliteStateMachine stateMachine = new SqliteStateMachine(database, SqliteDatabase.Options.defaults(),
                ClusterIdentity.load(database), null);
        ByteString clientId = ByteString.copyFrom(new byte[16]);
        LogEntryProto appended = LogEntryProto.newBuilder().setTerm(3).setIndex(42)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
                        .setClientId(clientId).setCallId(7).setLogData(ByteString.copyFrom(new byte[4 << 20])))
                .build();

        for (RaftPeerRole role : new RaftPeerRole[] {RaftPeerRole.FOLLOWER, RaftPeerRole.LEADER}) {
            TransactionContext context = stateMachine.startTransaction(appended, role);

            LogEntryProto kept = context.getLogEntry();
            assertThat(kept.getStateMachineLogEntry().getLogData().isEmpty()).isTrue();
            assertThat(kept.getTerm()).isEqualTo(3);
            assertThat(kept.getIndex()).isEqualTo(42);
            assertThat(kept.getStateMachineLogEntry().getClientId()).isEqualTo(clientId);
            assertThat(kept.getStateMachineLogEntry().getCallId()).isEqualTo(7);
            assertThat(context.getServerRole()).isEqualTo(role);
        }
    }
}
