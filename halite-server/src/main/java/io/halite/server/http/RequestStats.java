package io.halite.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many reads and writes this node's API has answered, and how long they took, as counters a client samples
 * (the web console polls them in {@code /status} and derives rates and percentiles from the differences). Latency
 * is kept as a histogram of fixed buckets so that a percentile over any interval can be computed from two samples.
 */
final class RequestStats {
    /** Upper bounds of the latency buckets, in milliseconds; a last bucket holds everything slower. */
    static final double[] BOUNDS_MS = {0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750,
            1_000, 2_000, 5_000, 10_000, 30_000};

    /** Which counter a request adds to. */
    enum Kind {
        /** Served by the read path (any consistency level). */
        READ,
        /** Sent through the log: plain, queued and {@code /db/request} writes, and statements in a transaction. */
        WRITE
    }

    private final AtomicLongArray reads = new AtomicLongArray(BOUNDS_MS.length + 1);
    private final AtomicLongArray writes = new AtomicLongArray(BOUNDS_MS.length + 1);

    /** Counts one answered request that started at {@code startNanos} ({@link System#nanoTime()}). */
    void record(Kind kind, long startNanos) {
        double millis = (System.nanoTime() - startNanos) / 1e6;
        int bucket = 0;
        while (bucket < BOUNDS_MS.length && millis > BOUNDS_MS[bucket]) {
            bucket++;
        }
        (kind == Kind.READ ? reads : writes).incrementAndGet(bucket);
    }

    /**
     * Writes {@code "requests": {"latency_bounds_ms": [...], "reads": {"count": N, "latency_counts": [...]},
     * "writes": {...}}}; {@code latency_counts} has one count per bound and a last one for slower requests.
     */
    void write(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("requests");
        g.writeArrayFieldStart("latency_bounds_ms");
        for (double bound : BOUNDS_MS) {
            g.writeNumber(bound);
        }
        g.writeEndArray();
        writeCounts(g, "reads", reads);
        writeCounts(g, "writes", writes);
        g.writeEndObject();
    }

    private static void writeCounts(JsonGenerator g, String name, AtomicLongArray buckets) throws IOException {
        long[] counts = new long[buckets.length()];
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.get(i);
            total += counts[i];
        }
        g.writeObjectFieldStart(name);
        g.writeNumberField("count", total);
        g.writeArrayFieldStart("latency_counts");
        for (long count : counts) {
            g.writeNumber(count);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
