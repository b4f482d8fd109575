package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.node.NodeException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.junit.jupiter.api.Test;

/** What a client is told when a request to the Raft group fails: plain words, never Ratis's class names or ids. */
class RaftFailuresTest {
    @Test
    void ratisFailuresAreExplainedInPlainWordsEvenWhenWrapped() {
        assertThat(RaftFailures.explain(new CompletionException(new TimeoutIOException(
                "client-1A2B->n0 request #42 timeout 3s")))).isEqualTo("the leader did not answer in time");
        assertThat(RaftFailures.explain(new ExecutionException(new CompletionException(
                new AlreadyClosedException("client-1A2B is closed."))))).isEqualTo("the node is shutting down");
        assertThat(RaftFailures.explain(new ReadIndexException("n0@group-8B62923017CB: failed")))
                .isEqualTo("the leader could not confirm that it still leads");
        assertThat(RaftFailures.explain(new StateMachineException("java.lang.IllegalStateException from n0")))
                .isEqualTo("the leader failed to run it (its log has the details)");
        assertThat(RaftFailures.explain(new GroupMismatchException("group-8B62923017CB not found")))
                .isEqualTo("the node is not a member of this cluster");
        assertThat(RaftFailures.explain(new TransferLeadershipException("n1@group-8B62923017CB: Failed to transfer "
                + "leadership to n0 (the current leader is n2): DIFFERENT_LEADER")))
                .isEqualTo("the chosen successor did not take over (it may not hold the whole log yet, or another "
                        + "member was elected)");
    }

    @Test
    void failuresOfHaliteAndTheJdkKeepTheirOwnMessages() {
        assertThat(RaftFailures.explain(new CompletionException(NodeException.unavailable("node is shutting down"))))
                .isEqualTo("node is shutting down");
        assertThat(RaftFailures.explain(new ConnectException("Connection refused"))).isEqualTo("Connection refused");
        assertThat(RaftFailures.explain(new IOException())).isEqualTo("unknown error");
        assertThat(RaftFailures.explain(null)).isEqualTo("unknown error");
    }
}
