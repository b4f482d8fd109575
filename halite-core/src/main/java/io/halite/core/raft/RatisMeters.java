package io.halite.core.raft;

import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Halite's implementation of Ratis's metrics API (found by Ratis through {@code META-INF/services}), in place of
 * ratis-metrics-default. Ratis's own meters are kept only as far as Ratis needs them (counters count, timers time);
 * one is passed on: the log worker's {@code syncTime}, the time to write a batch of log entries to the segment file
 * and force it to disk ({@code FileChannel.force}), recorded in the Micrometer timer a node binds with
 * {@link #recordLogSyncs}. ratis-metrics-default kept Dropwizard timers, which hold no total time and so cannot
 * become a Prometheus histogram.
 */
public final class RatisMeters extends MetricRegistries {
    /** Ratis's name for the log worker's registry and for its write-and-fsync timer (Ratis 3.3). */
    private static final String LOG_WORKER = "log_worker";
    private static final String LOG_SYNC_TIMER = "syncTime";

    /** The timer each Raft group member's log syncs go to, by the member's id ({@code node@group-...}). */
    private static final Map<String, Timer> LOG_SYNC_TIMERS = new ConcurrentHashMap<>();

    private final Map<MetricRegistryInfo, Registry> registries = new ConcurrentHashMap<>();

    /** Called by Ratis's service loader. */
    public RatisMeters() {}

    /** From now on, log syncs of {@code memberId}'s Raft log are recorded in {@code timer}. */
    public static void recordLogSyncs(String memberId, Timer timer) {
        LOG_SYNC_TIMERS.put(memberId, timer);
    }

    public static void stopRecordingLogSyncs(String memberId) {
        LOG_SYNC_TIMERS.remove(memberId);
    }

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return registries.computeIfAbsent(info, Registry::new);
    }

    @Override
    public boolean remove(MetricRegistryInfo info) {
        return registries.remove(info) != null;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info));
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(registries.values());
    }

    /** Nothing reports Ratis's registries: what Halite exports goes through Micrometer. */
    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> reporter, Consumer<RatisMetricRegistry> stopper) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration period) {
    }

    private static final class Registry implements RatisMetricRegistry {
        private final MetricRegistryInfo info;
        private final Map<String, LongCounter> counters = new ConcurrentHashMap<>();

        Registry(MetricRegistryInfo info) {
            this.info = info;
        }

        @Override
        public Timekeeper timer(String name) {
            if (LOG_WORKER.equals(info.getMetricsComponentName()) && LOG_SYNC_TIMER.equals(name)) {
                String memberId = info.getPrefix();
                return () -> {
                    long start = System.nanoTime();
                    return () -> {
                        long elapsed = System.nanoTime() - start;
                        Timer timer = LOG_SYNC_TIMERS.get(memberId);
                        if (timer != null) {
                            timer.record(elapsed, TimeUnit.NANOSECONDS);
                        }
                        return elapsed;
                    };
                };
            }
            return () -> {
                long start = System.nanoTime();
                return () -> System.nanoTime() - start;
            };
        }

        @Override
        public LongCounter counter(String name) {
            return counters.computeIfAbsent(name, n -> new Counter());
        }

        @Override
        public boolean remove(String name) {
            return counters.remove(name) != null;
        }

        /** Ratis's gauges are not exported: the node reports its own (commit and applied index, leader). */
        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }

    private static final class Counter implements LongCounter {
        private final LongAdder count = new LongAdder();

        @Override
        public void inc(long n) {
            count.add(n);
        }

        @Override
        public void dec(long n) {
            count.add(-n);
        }

        @Override
        public long getCount() {
            return count.sum();
        }
    }
}
