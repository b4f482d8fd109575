package io.halite.core.node;

import io.halite.core.raft.RatisMeters;
import io.halite.core.raft.SqliteStateMachine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A node's meters, named as etcd names its own ({@code halite_server_is_leader}, {@code halite_raft_applied_index},
 * ...; Micrometer's Prometheus naming adds the unit and {@code _total}). Core registers them with whatever
 * registry the server gives it; they are removed when the node closes, so a node restarted in the same process
 * (a non-voter's join) reports itself and not its predecessor.
 */
final class NodeMeters implements AutoCloseable {
    /** Exponential, as etcd's WAL fsync histogram (1 ms to 8 s), with finer steps below 1 ms for fast disks. */
    private static final Duration[] FSYNC_BUCKETS = fsyncBuckets();
    private static final double[] ENTRY_SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

    private final MeterRegistry registry;
    private final String raftMemberId;
    private final List<Meter> meters = new ArrayList<>();
    private final DistributionSummary writesPerEntry;
    private final Map<InteractiveTransactions.AbortReason, Counter> aborts =
            new EnumMap<>(InteractiveTransactions.AbortReason.class);

    NodeMeters(MeterRegistry registry, String raftMemberId) {
        this.registry = registry;
        this.raftMemberId = raftMemberId;
        Timer fsync = add(Timer.builder("halite.raft.log.fsync.duration")
                .description("Time Ratis's log worker took to write a batch of log entries to its segment file and "
                        + "force them to disk (FileChannel.force), per batch")
                .serviceLevelObjectives(FSYNC_BUCKETS)
                .register(registry));
        RatisMeters.recordLogSyncs(raftMemberId, fsync);
        writesPerEntry = add(DistributionSummary.builder("halite.writes.per.entry")
                .description("Write requests batched into each log entry this node proposed")
                .serviceLevelObjectives(ENTRY_SIZE_BUCKETS)
                .register(registry));
        for (InteractiveTransactions.AbortReason reason : InteractiveTransactions.AbortReason.values()) {
            aborts.put(reason, add(Counter.builder("halite.tx.aborted")
                    .description("Interactive transactions that ended without committing, by reason")
                    .tag("reason", reason.label())
                    .register(registry)));
        }
    }

    /** The gauges and counters that read the node's state when scraped. */
    void watch(HaliteNode node, SqliteStateMachine stateMachine) {
        gauge("halite.server.has.leader", "1 if this node knows a leader, else 0", node,
                n -> n.leaderId() == null ? 0 : 1, null);
        gauge("halite.server.is.leader", "1 if this node is the leader, else 0", node, n -> n.isLeader() ? 1 : 0, null);
        add(FunctionCounter.builder("halite.server.leader.changes.seen", stateMachine,
                        SqliteStateMachine::leaderChangesSeen)
                .description("Times this node learned of a new leader since it started")
                .register(registry));
        gauge("halite.raft.commit.index", "The highest log index this node knows to be committed", node,
                HaliteNode::commitIndex, null);
        gauge("halite.raft.applied.index", "The highest log index applied to this node's database", node,
                HaliteNode::appliedIndex, null);
        gauge("halite.sqlite.db.size", "Size of the SQLite database file and its WAL", node,
                n -> n.database().sizeOnDisk(), "bytes");
    }

    DistributionSummary writesPerEntry() {
        return writesPerEntry;
    }

    void aborted(InteractiveTransactions.AbortReason reason) {
        aborts.get(reason).increment();
    }

    private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String unit) {
        add(Gauge.builder(name, source, value).description(description).baseUnit(unit).strongReference(true)
                .register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    private static Duration[] fsyncBuckets() {
        List<Duration> buckets = new ArrayList<>(List.of(Duration.ofNanos(100_000), Duration.ofNanos(250_000),
                Duration.ofNanos(500_000)));
        for (long millis = 1; millis <= 8192; millis *= 2) {
            buckets.add(Duration.ofMillis(millis));
        }
        return buckets.toArray(Duration[]::new);
    }

    @Override
    public void close() {
        RatisMeters.stopRecordingLogSyncs(raftMemberId);
        meters.forEach(registry::remove);
    }
}
