package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import io.halite.core.engine.NodeStoppingException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.junit.jupiter.api.Test;

/** Only Ratis's complaints that its server is not serving are dropped; every other warning and error stays. */
class RaftStopNoiseFilterTest {
    private final LoggerContext context = new LoggerContext();
    private final RaftStopNoiseFilter filter = new RaftStopNoiseFilter();

    private FilterReply decide(String logger, Level level, Object[] params, Throwable t) {
        return filter.decide(null, context.getLogger(logger), level, "{}: {}", params, t);
    }

    @Test
    void dropsRatisErrorsCausedByTheNodeStoppingOrItsServerNotRunning() {
        Throwable refusedEntry = new CompletionException(new NodeStoppingException());
        assertThat(decide("org.apache.ratis.server.impl.StateMachineUpdater", Level.ERROR,
                new Object[] {"n0", "applying txn index=80", refusedEntry}, null)).isEqualTo(FilterReply.DENY);
        Throwable closing = new ServerNotReadyException("n0 is not in [STARTING, RUNNING]: current state is CLOSING");
        assertThat(decide("org.apache.ratis.server.impl.RaftServerImpl", Level.ERROR, null, closing))
                .isEqualTo(FilterReply.DENY);
    }

    @Test
    void keepsOtherErrorsAndOtherLoggers() {
        Throwable diskFailure = new IOException("No space left on device");
        assertThat(decide("org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogWorker", Level.ERROR,
                new Object[] {"n0", diskFailure}, null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("io.halite.core.raft.SqliteStateMachine", Level.ERROR,
                new Object[] {new NodeStoppingException()}, null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("org.apache.ratis.server.impl.RaftServerImpl", Level.INFO, null,
                new ServerNotReadyException("starting"))).isEqualTo(FilterReply.NEUTRAL);
    }
}
