package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How linearizable reads share read-index probes ({@link SharedRounds}). The probes are futures the test completes
 * by hand; the leader answering them is covered by the cluster tests.
 */
class SharedRoundsTest {
    private final List<CompletableFuture<Long>> probes = new ArrayList<>();
    private final SharedRounds<Long> shared = new SharedRounds<>(() -> {
        CompletableFuture<Long> probe = new CompletableFuture<>();
        probes.add(probe);
        return probe;
    });

    @Test
    void aReadThatArrivesWhileAProbeIsOutWaitsForTheNextProbe() {
        CompletableFuture<Long> first = shared.next();
        CompletableFuture<Long> second = shared.next();
        assertThat(probes).hasSize(1);

        probes.get(0).complete(10L);
        // The probe out when the second read arrived may have been answered before a write the read must see.
        assertThat(first).isCompletedWithValue(10L);
        assertThat(second).isNotDone();
        assertThat(probes).hasSize(2);

        probes.get(1).complete(12L);
        assertThat(second).isCompletedWithValue(12L);
    }

    @Test
    void readsThatQueueBehindOneProbeShareTheNext() {
        shared.next();
        List<CompletableFuture<Long>> queued = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            queued.add(shared.next());
        }
        probes.get(0).complete(3L);
        assertThat(probes).hasSize(2);

        probes.get(1).complete(7L);
        assertThat(queued).allSatisfy(index -> assertThat(index).isCompletedWithValue(7L));
        assertThat(probes).as("no read left waiting, so no probe is sent").hasSize(2);

        CompletableFuture<Long> later = shared.next();
        assertThat(probes).as("a read after that sends its own").hasSize(3);
        probes.get(2).complete(8L);
        assertThat(later).isCompletedWithValue(8L);
    }

    @Test
    void aFailedProbeFailsOnlyItsOwnReads() {
        CompletableFuture<Long> failed = shared.next();
        CompletableFuture<Long> queued = shared.next();
        probes.get(0).completeExceptionally(new IllegalStateException("no leader"));

        assertThat(failed).isCompletedExceptionally();
        assertThat(queued).isNotDone();
        probes.get(1).complete(5L);
        assertThat(queued).isCompletedWithValue(5L);
    }

    @Test
    void aProbeThatCannotBeSentFailsItsReadsAndTheNextReadTriesAgain() {
        boolean[] refuse = {true};
        SharedRounds<Long> refusing = new SharedRounds<>(() -> {
            if (refuse[0]) {
                throw new IllegalStateException("the node is shutting down");
            }
            return CompletableFuture.completedFuture(4L);
        });
        CompletableFuture<Long> refused = refusing.next();
        assertThatThrownBy(refused::join).hasRootCauseMessage("the node is shutting down");

        refuse[0] = false;
        assertThat(refusing.next()).isCompletedWithValue(4L);
    }
}
