package io.halite.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which reads a node refuses to serve from its own data, and the message the client gets for each. */
class ReadPolicyTest {
    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    private static final ReadPolicy.Standing CURRENT_FOLLOWER = new ReadPolicy.Standing(null, false, 200, 10, 10);
    private static final ReadPolicy.Standing CATCHING_UP = new ReadPolicy.Standing(
            "catching up: this node has not heard from the leader since it started", false, 200, 10, 10);

    private static ReadRequest none(Duration freshness, boolean strict, long minIndex) {
        return new ReadRequest(ReadLevel.NONE, freshness, strict, minIndex);
    }

    @Test
    void aFollowerThatIsCatchingUpRefusesPlainAndBoundedReadsAtLevelNone() {
        assertThat(ReadPolicy.staleness(ReadRequest.at(ReadLevel.NONE), CATCHING_UP))
                .isEqualTo("stale read: catching up: this node has not heard from the leader since it started");
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, false, 0), CATCHING_UP)).startsWith("stale read: catching up");
    }

    @Test
    void aReadThatNamesItsMinIndexWithoutFreshnessIsServedOnceThatIndexIsApplied() {
        assertThat(ReadPolicy.staleness(none(null, false, 7), CATCHING_UP)).isNull();
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, false, 7), CATCHING_UP))
                .as("a freshness bound is still checked").startsWith("stale read");
    }

    @Test
    void readsAtOtherLevelsAreNeverRefusedForStaleness() {
        for (ReadLevel level : new ReadLevel[] {ReadLevel.WEAK, ReadLevel.LINEARIZABLE, ReadLevel.STRONG}) {
            assertThat(ReadPolicy.staleness(new ReadRequest(level, ONE_SECOND, true, 0), CATCHING_UP)).isNull();
        }
    }

    @Test
    void aFreshnessBoundRefusesAFollowerThatHasNotHeardFromTheLeaderWithinIt() {
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, false, 0), CURRENT_FOLLOWER)).isNull();
        assertThat(ReadPolicy.staleness(none(Duration.ofMillis(100), false, 0), CURRENT_FOLLOWER))
                .isEqualTo("stale read: this node last heard from the leader 200 ms ago, more than freshness 100 ms");
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, false, 0), new ReadPolicy.Standing(null, false, -1, 10, 10)))
                .isEqualTo("stale read: this node knows no leader");
        assertThat(ReadPolicy.staleness(ReadRequest.at(ReadLevel.NONE), new ReadPolicy.Standing(null, false, -1, 10, 10)))
                .as("without a bound, a follower that knows no leader still serves").isNull();
    }

    @Test
    void aStrictBoundAlsoRefusesAFollowerThatHasNotAppliedAllItKnowsCommitted() {
        ReadPolicy.Standing behind = new ReadPolicy.Standing(null, false, 200, 8, 10);
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, false, 0), behind)).isNull();
        assertThat(ReadPolicy.staleness(none(ONE_SECOND, true, 0), behind))
                .isEqualTo("stale read: this node has applied up to index 8 of the 10 it knows to be committed");
    }

    @Test
    void theLeaderServesEveryBoundUnlessItsStorageFailed() {
        assertThat(ReadPolicy.staleness(none(Duration.ofMillis(1), true, 0), new ReadPolicy.Standing(null, true, -1, 8, 10)))
                .isNull();
        assertThat(ReadPolicy.staleness(ReadRequest.at(ReadLevel.NONE),
                new ReadPolicy.Standing("this node cannot write its storage (disk full)", true, -1, 8, 10)))
                .isEqualTo("stale read: this node cannot write its storage (disk full)");
    }

    @Test
    void aStrictReadWithoutAFreshnessBoundCannotBeMade() {
        assertThatThrownBy(() -> new ReadRequest(ReadLevel.NONE, null, true, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
