package io.halite.backup;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.backup.target.BackupTarget;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.HaliteNode.CommittedEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per backup destination: the leader of the cluster that holds the lease, a sequence of small objects
 * under {@value #PREFIX} at the destination's root. Two clusters pointed at one destination (an overlapping revision, a scale of 2 by
 * mistake, a copied configuration) would otherwise interleave their chains.
 *
 * <p>The lease is taken and renewed by creating the next object of the sequence ({@link BackupTarget#putIfAbsent}):
 * of the writers that saw object N as the newest, exactly one creates N+1. That is a compare-and-set which needs only
 * a create-if-absent (S3's {@code If-None-Match: *}, which S3Proxy's file store performs atomically while its
 * {@code If-Match} is a check then a write), and no clock needs to agree with another: a contender takes over a
 * lease whose newest object it has seen unchanged for the whole lease time
 * on its own monotonic clock, and a holder stops writing once three quarters of the lease time have passed since
 * it began its last successful renewal. It renews every third of the lease time.
 *
 * <p>The lease belongs to a cluster, not to a node: a new leader of the same cluster takes it over at once. The
 * record names the newest database entry its holder had applied (index, term and a hash of the entry's bytes, which
 * carry the proposer's time stamp and random seed); a node whose own log holds that very entry, and whose term is
 * newer, belongs to the same cluster. Another cluster's entry at that index differs, so it has to wait for the
 * lease to expire (or be released by a holder that stops cleanly).
 */
public final class BackupLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupLease.class);
    /** The lease objects: lease/00000000000000000001.json, ...: the newest says who holds the lease. */
    static final String PREFIX = "lease/";
    private static final Pattern NAME = Pattern.compile("lease/(\\d{20})\\.json");
    /** Older lease objects kept, for whoever reads the newest while the holder renews. */
    private static final int KEEP_OBJECTS = 2;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** How often a leader without the lease tries again. */
    private static final Duration CONTEND_EVERY = Duration.ofSeconds(1);
    /** How far back from the applied index to look for the newest database entry (skipping Raft's own entries). */
    private static final int PROOF_LOOKBACK = 64;

    /** How long a lease lasts without renewal unless told otherwise: a holder that dies is replaced after this. */
    public static final Duration DEFAULT_TIME = Duration.ofSeconds(30);

    /** The newest database entry a holder had applied: shared by every member of its cluster, by no other. */
    record Proof(long index, long term, String hash) {}

    /**
     * The lease object's content. {@code token} is new with every write, so that a holder recognises its own write
     * when a retried request reports a conflict with itself.
     */
    record Holder(String node, long term, Proof proof, boolean released, long leaseMillis, long writtenAtMillis,
                  String token) {}

    private final BackupTarget target;
    private final HaliteNode node;
    private final String nodeId;
    private final Duration time;
    private final Clock clock;
    /** Completed at this node's first decision: null once it took the lease, or why it could not. */
    private final CompletableFuture<String> firstDecision = new CompletableFuture<>();
    private final Thread thread;
    private final Object wakeUp = new Object();
    /** Notified when this node takes or renews the lease. */
    private final Object taken = new Object();

    private volatile boolean wanted;
    private volatile boolean closed;
    /** Writes are allowed while System.nanoTime() is before this, and heldSequence is set. */
    private volatile long validUntilNanos;
    /** The sequence number of the lease object this node wrote last, while it holds the lease; else -1. */
    private volatile long heldSequence = -1;
    /** Whether the lease object this node wrote last names no entry (it had applied none). */
    private volatile boolean heldWithoutProof;
    /** A contender's view: the newest lease object it sees and since when (for expiry on its own clock). */
    private long seenSequence = -1;
    private long seenSinceNanos;
    private volatile BackupStatus.Lease state = new BackupStatus.Lease(false, null, null);

    /** @param time how long a lease lasts without renewal (at least 1 s) */
    public BackupLease(BackupTarget target, HaliteNode node, Duration time, Clock clock) {
        if (time.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the backup lease time must be at least 1s");
        }
        this.target = target;
        this.node = node;
        this.nodeId = node.status().nodeId();
        this.time = time;
        this.clock = clock;
        this.thread = new Thread(this::run, "halite-backup-lease");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Waits up to {@code timeout} for this node to hold the lease; returns whether it does. */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (taken) {
            while (!holds() && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                TimeUnit.NANOSECONDS.timedWait(taken, left);
            }
        }
        return holds();
    }

    /** Whether this node may write to the target now. */
    public boolean holds() {
        return heldSequence >= 0 && System.nanoTime() - validUntilNanos < 0;
    }

    public BackupStatus.Lease state() {
        return state;
    }

    /** This node's first attempt: completes with null once it took the lease, or with why another writer has it. */
    public CompletableFuture<String> firstDecision() {
        return firstDecision;
    }

    /** Asks for the lease (this node leads and wants to upload) or gives it up. */
    public void want(boolean want) {
        if (wanted != want) {
            wanted = want;
            wake();
        }
    }

    /** The target, refusing every write unless this node holds the lease. */
    public BackupTarget guard() {
        return new LeasedTarget();
    }

    private void wake() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    private void run() {
        while (!closed) {
            try {
                if (wanted) {
                    attempt();
                } else {
                    release();
                }
            } catch (IOException | RuntimeException e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                if (!message.equals(state.problem())) {
                    LOG.warn("backup lease at {}: {}", target.describe(), message);
                }
                state = new BackupStatus.Lease(holds(), state.holder(), message);
            }
            // A slow renewal leaves less of the lease: renew before half of what is left has passed.
            Duration left = Duration.ofNanos(validUntilNanos - System.nanoTime());
            // A lease that names no entry yet cannot pass to this cluster's next leader: renew once there is one.
            Duration pause = !holds() || heldWithoutProof ? CONTEND_EVERY
                    : left.dividedBy(2).compareTo(time.dividedBy(3)) < 0 ? left.dividedBy(2) : time.dividedBy(3);
            synchronized (wakeUp) {
                try {
                    if (!closed) TimeUnit.NANOSECONDS.timedWait(wakeUp, pause.toNanos());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Takes, renews or takes over the lease, or finds it held by another writer. */
    private synchronized void attempt() throws IOException {
        long startedNanos = System.nanoTime();
        List<Long> sequences = sequences();
        if (sequences.isEmpty()) {
            write(1, startedNanos, null, sequences);
            return;
        }
        long latest = sequences.get(sequences.size() - 1);
        if (latest == heldSequence) {
            write(latest + 1, startedNanos, null, sequences);
            return;
        }
        Holder holder = read(latest);
        // The holder promised to renew within its own lease time, which may be longer than this node's.
        Duration promised = holder == null ? time : Duration.ofMillis(Math.max(time.toMillis(), holder.leaseMillis()));
        boolean expired = unchangedFor(latest).compareTo(promised) >= 0;
        if (expired || holder != null && (holder.released() || sameCluster(holder))) {
            write(latest + 1, startedNanos, holder, sequences);
            return;
        }
        refuse(holder, "held by " + (holder == null ? "a writer this node cannot read" : describe(holder))
                + "; this node does not upload until it is released or expires (after "
                + promised.toSeconds() + " s without renewal)");
    }

    /** The sequence numbers of the lease objects there are, in order. */
    private List<Long> sequences() throws IOException {
        List<Long> sequences = new ArrayList<>();
        for (BackupTarget.StoredObject object : target.list(PREFIX)) {
            Matcher m = NAME.matcher(object.name());
            if (m.matches()) sequences.add(Long.parseLong(m.group(1)));
        }
        Collections.sort(sequences);
        return sequences;
    }

    private static String name(long sequence) {
        return PREFIX + String.format("%020d", sequence) + ".json";
    }

    /** How long this node has seen {@code sequence} as the newest lease object. */
    private Duration unchangedFor(long sequence) {
        long now = System.nanoTime();
        if (sequence != seenSequence) {
            seenSequence = sequence;
            seenSinceNanos = now;
        }
        return Duration.ofNanos(now - seenSinceNanos);
    }

    /**
     * Creates lease object {@code sequence}: only one writer can, so only one of those that saw the one before
     * takes the lease. The older objects but the last few are deleted.
     */
    private void write(long sequence, long startedNanos, Holder previous, List<Long> existing) throws IOException {
        Holder mine = holder(false);
        byte[] content = JSON.writeValueAsBytes(mine);
        if (!target.putIfAbsent(name(sequence), content)) {
            Holder winner = read(sequence);
            refuse(winner, "taken by " + (winner == null ? "another writer" : describe(winner))
                    + " while this node tried to take or renew it");
            return;
        }
        boolean acquired = heldSequence < 0;
        heldSequence = sequence;
        heldWithoutProof = mine.proof() == null;
        validUntilNanos = startedNanos + time.multipliedBy(3).dividedBy(4).toNanos();
        firstDecision.complete(null);
        synchronized (taken) {
            taken.notifyAll();
        }
        state = new BackupStatus.Lease(true, describe(mine), null);
        if (acquired) {
            LOG.info("backup lease at {} taken{}", target.describe(), previous == null ? ""
                    : previous.released() ? " (released by " + describe(previous) + ")"
                    : " over from " + describe(previous));
        }
        for (long old : existing) {
            if (old < sequence - KEEP_OBJECTS) target.delete(name(old));
        }
    }

    private Holder holder(boolean released) throws IOException {
        return new Holder(nodeId, node.currentTerm(), proof().orElse(null), released, time.toMillis(),
                clock.millis(), UUID.randomUUID().toString());
    }

    private Holder read(long sequence) throws IOException {
        try (InputStream in = target.open(name(sequence))) {
            return parse(in.readAllBytes());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void refuse(Holder holder, String why) {
        boolean lost = heldSequence >= 0;
        heldSequence = -1;
        validUntilNanos = System.nanoTime();
        String message = "backup lease at " + target.describe() + " " + why;
        if (lost) {
            LOG.warn("lost the {}", message);
        } else if (!message.equals(state.problem())) {
            LOG.warn(message);
        }
        state = new BackupStatus.Lease(false, holder == null ? null : describe(holder), message);
        firstDecision.complete(message);
    }

    /** Marks the lease released, so that the next writer need not wait for it to expire. */
    private synchronized void release() throws IOException {
        long held = heldSequence;
        heldSequence = -1;
        validUntilNanos = System.nanoTime();
        state = new BackupStatus.Lease(false, null, null);
        if (held < 0) return;
        // Only if nobody took it meanwhile: then object held + 1 exists already.
        if (target.putIfAbsent(name(held + 1), JSON.writeValueAsBytes(holder(true)))) {
            LOG.info("backup lease at {} released", target.describe());
        }
    }

    /** Whether {@code holder} is an earlier leader of this node's cluster (or this node, earlier). */
    private boolean sameCluster(Holder holder) throws IOException {
        Proof proof = holder.proof();
        if (proof == null || holder.term() > node.currentTerm()) return false;
        if (holder.term() == node.currentTerm() && !holder.node().equals(nodeId)) return false;
        try {
            List<CommittedEntry> entry = node.appliedEntries(proof.index(), 1);
            return !entry.isEmpty() && entry.get(0).index() == proof.index() && entry.get(0).term() == proof.term()
                    && hash(entry.get(0).data()).equals(proof.hash());
        } catch (HaliteNode.LogPurgedException e) {
            return false;
        }
    }

    /** The newest database entry this node applied, if it still has one in its log. */
    private Optional<Proof> proof() throws IOException {
        long applied = node.database().appliedIndex();
        if (applied < 1) return Optional.empty();
        try {
            List<CommittedEntry> recent = node.appliedEntries(Math.max(1, applied - PROOF_LOOKBACK), 1L << 20);
            while (!recent.isEmpty() && recent.get(recent.size() - 1).index() < applied) {
                List<CommittedEntry> more = node.appliedEntries(recent.get(recent.size() - 1).index() + 1, 1L << 20);
                if (more.isEmpty()) break;
                recent = more;
            }
            if (recent.isEmpty()) return Optional.empty();
            CommittedEntry newest = recent.get(recent.size() - 1);
            return Optional.of(new Proof(newest.index(), newest.term(), hash(newest.data())));
        } catch (HaliteNode.LogPurgedException e) {
            return Optional.empty();
        }
    }

    private static String hash(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static Holder parse(byte[] content) {
        try {
            return JSON.readValue(content, Holder.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(Holder holder) {
        return "node " + holder.node() + " (term " + holder.term() + ", renewed "
                + java.time.Instant.ofEpochMilli(holder.writtenAtMillis()) + " by its clock)";
    }

    /** Stops renewing; a held lease is released so that the next writer need not wait for it to expire. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            release();
        } catch (IOException | RuntimeException e) {
            LOG.warn("backup lease at {} not released (it expires by itself): {}", target.describe(), e.getMessage());
        }
    }

    /** Writes go through only while the lease is held; reads always. */
    private final class LeasedTarget implements BackupTarget {
        private void check() throws IOException {
            if (!holds()) {
                throw new IOException("this node does not hold the backup lease at " + target.describe());
            }
        }

        @Override
        public void put(String name, Path file) throws IOException {
            check();
            target.put(name, file);
        }

        @Override
        public void put(String name, byte[] content) throws IOException {
            check();
            target.put(name, content);
        }

        @Override
        public InputStream open(String name) throws IOException {
            return target.open(name);
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            return target.list(prefix);
        }

        @Override
        public void delete(String name) throws IOException {
            check();
            target.delete(name);
        }

        @Override
        public boolean putIfAbsent(String name, byte[] content) throws IOException {
            check();
            return target.putIfAbsent(name, content);
        }

        @Override
        public String describe() {
            return target.describe();
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
