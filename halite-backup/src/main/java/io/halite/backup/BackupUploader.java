package io.halite.backup;

import io.halite.backup.target.BackupTarget;
import io.halite.core.engine.LogPosition;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.log.EntryCodec;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.HaliteNode.CommittedEntry;
import io.halite.core.node.NodeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships the log to a backup target while this node leads: each round stores the entries applied since the last
 * one as a segment, and from time to time a new base copy. Every node runs one; only the leader's works, and a new
 * leader first finds where the stored chain ends and continues it (entries are committed, so every leader holds
 * the same ones), or starts a new generation with a base copy when it cannot prove the chain is its own history.
 * It writes only while its cluster holds the destination's {@link BackupLease}, so that two clusters pointed at one
 * destination do not interleave their chains.
 *
 * <p>A failing target never blocks writes: the error shows in the status and the log, rounds back off, and the
 * entries are shipped once the target answers again (if the log was purged meanwhile, a new base copy bridges
 * the gap). In sync mode, the reply to each write waits until its entry is stored.
 */
public final class BackupUploader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupUploader.class);
    private static final long MAX_SEGMENT_BYTES = 8L << 20;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** In sync mode writes wait for the target: retry it often. */
    private static final Duration MAX_SYNC_BACKOFF = Duration.ofSeconds(1);
    private static final Duration RETENTION_EVERY = Duration.ofMinutes(10);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final HaliteNode node;
    /** For reads; writes go through {@link #writes}, which only lets them through while the lease is held. */
    private final BackupTarget target;
    private final BackupLease lease;
    private final BackupTarget writes;
    private final BackupSettings settings;
    private final Path workDir;
    private final Clock clock;
    private final Thread thread;
    private final Object wakeUp = new Object();
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> waitingForBackup = new ConcurrentSkipListMap<>();
    private volatile boolean closed;
    private boolean pendingWake;

    // The chain this node continues while it leads (only the uploader thread writes these).
    private volatile String generation;
    /** The term in which this node last found where the chain ends. */
    private long chainTerm;
    private volatile long storedIndex = -1;
    private volatile long storedStampMillis;
    private volatile BackupStatus.Point oldestBase;
    private Instant lastBaseAt;
    private long logBytesSinceBase;
    private Instant lastRetention = Instant.EPOCH;
    private volatile long storedBytes;

    private volatile Instant lastUpload;
    private volatile String lastError;
    private final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
    private volatile Instant lastErrorAt;

    /** With a lease of {@link BackupLease#DEFAULT_TIME}. */
    public BackupUploader(HaliteNode node, BackupTarget target, BackupSettings settings, Path workDir, Clock clock) {
        this(node, target, settings, BackupLease.DEFAULT_TIME, workDir, clock);
    }

    /** @param leaseTime how long the destination's lease lasts without renewal (see {@link BackupLease}) */
    public BackupUploader(HaliteNode node, BackupTarget target, BackupSettings settings, Duration leaseTime,
                          Path workDir, Clock clock) {
        this.node = node;
        this.target = target;
        this.lease = new BackupLease(target, node, leaseTime, clock);
        this.writes = lease.guard();
        this.settings = settings;
        this.workDir = workDir;
        this.clock = clock;
        this.thread = new Thread(this::run, "halite-backup");
        this.thread.setDaemon(true);
        if (settings.sync()) {
            // Each reply asks the gate as its entry commits; a reply that has to wait wakes the uploader.
            node.setReplyGate(this::awaitStored);
        }
        // While this node ships, keep the entries it has not stored yet out of log purges.
        node.setLogNeededFrom(() -> generation != null && storedIndex >= 0 ? storedIndex + 1 : Long.MAX_VALUE);
    }

    public void start() throws IOException {
        Files.createDirectories(workDir);
        lease.start();
        thread.start();
    }

    /**
     * Whether the lease is held by another writer, as this node found at its first attempt, if it leads: the
     * reason, or empty once it took the lease, if it does not lead, or if it did not decide within {@code timeout}.
     */
    public java.util.Optional<String> leaseRefusedAtStart(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            CompletableFuture<String> decision = lease.firstDecision();
            if (decision.isDone()) return java.util.Optional.ofNullable(decision.join());
            if (node.isReady() && !node.isLeader()) return java.util.Optional.empty();
            Thread.sleep(50);
        }
        return java.util.Optional.empty();
    }

    /** Sync mode: the reply for the entry at {@code index} waits until the entry is stored (on the leader). */
    private CompletableFuture<Void> awaitStored(long index) {
        if (index <= storedIndex || !node.isLeader()) {
            return null;
        }
        CompletableFuture<Void> stored = waitingForBackup.computeIfAbsent(index, i -> new CompletableFuture<>());
        if (index <= storedIndex) {
            releaseUpTo(storedIndex);
        }
        wake();
        return stored;
    }

    private void releaseUpTo(long index) {
        Map<Long, CompletableFuture<Void>> released = waitingForBackup.headMap(index, true);
        released.values().forEach(f -> f.complete(null));
        released.clear();
    }

    private void failWaiting(String why) {
        Map<Long, CompletableFuture<Void>> all = waitingForBackup.headMap(Long.MAX_VALUE, true);
        all.values().forEach(f -> f.completeExceptionally(NodeException.unavailable(why)));
        all.clear();
    }

    private void wake() {
        synchronized (wakeUp) {
            pendingWake = true;
            wakeUp.notifyAll();
        }
    }

    private void sleep(Duration duration, boolean wakeable) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        synchronized (wakeUp) {
            while (!closed && !(wakeable && pendingWake)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(wakeUp, left);
            }
            pendingWake = false;
        }
    }

    private void run() {
        Duration backoff = Duration.ZERO;
        while (!closed) {
            try {
                if (!node.isLeader()) {
                    lease.want(false);
                    if (generation != null) {
                        LOG.info("no longer the leader: backup uploads stop on this node");
                        generation = null;
                    }
                    failWaiting("leadership moved before the backup stored this write; its outcome is unknown");
                    sleep(Duration.ofMillis(200), false);
                    continue;
                }
                if (!node.isReady()) {
                    // A leader that has not yet committed an entry of its term may already be deposed (two nodes
                    // can both believe they lead while a cluster starts): it must not start a generation.
                    sleep(Duration.ofMillis(50), false);
                    continue;
                }
                lease.want(true);
                if (!lease.holds()) {
                    if (generation != null) {
                        // Another writer may continue the chain meanwhile: look again once the lease is back.
                        LOG.warn("backup: this node no longer holds the lease; uploads stop until it does");
                        generation = null;
                    }
                    if (lease.state().problem() != null) {
                        // Not a moment's wait for the first attempt: the lease is elsewhere, or out of reach.
                        failWaiting("this node does not hold the backup lease (see /backup/status); "
                                + "the write's outcome is unknown");
                    }
                    lease.awaitHeld(Duration.ofMillis(200));
                    continue;
                }
                long term = node.currentTerm();
                if (generation == null || term != chainTerm) {
                    // Leadership may have moved away and back between two rounds: another leader may have
                    // continued the chain (or started another) meanwhile, so look again.
                    startChain();
                    chainTerm = term;
                }
                shipApplied();
                if (baseDue()) {
                    takeBase();
                    applyRetention();
                }
                if (Duration.between(lastRetention, clock.instant()).compareTo(RETENTION_EVERY) >= 0) {
                    applyRetention();
                }
                backoff = Duration.ZERO;
                sleep(settings.sync() ? Duration.ofMillis(50) : settings.shipInterval(), settings.sync());
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                Duration max = settings.sync() ? MAX_SYNC_BACKOFF : MAX_BACKOFF;
                Duration next = backoff.isZero() ? settings.shipInterval() : backoff.multipliedBy(2);
                backoff = next.compareTo(max) > 0 ? max : next;
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                if (!message.equals(lastError)) {
                    LOG.warn("backup to {} failed (retrying every {} s at most): {}", target.describe(),
                            backoff.toSeconds(), message);
                }
                lastError = message;
                lastErrorAt = clock.instant();
                errors.incrementAndGet();
                try {
                    sleep(backoff, false);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
        shipRemainingBeforeStop();
    }

    /**
     * A leader that stops cleanly stores what it applied and has not shipped yet, so that the backup ends where the
     * node does. Only its own chain, in the term it checked it: otherwise the next leader continues the chain.
     */
    private void shipRemainingBeforeStop() {
        if (Thread.currentThread().isInterrupted() || generation == null || !node.isLeader()
                || node.currentTerm() != chainTerm) {
            return;
        }
        try {
            shipApplied();
            LOG.info("backup: stored everything applied before stopping, up to index {}", storedIndex);
        } catch (Exception e) {
            LOG.warn("backup: the last upload before stopping failed; stored up to index {}: {}", storedIndex,
                    e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /**
     * Finds where the newest stored chain ends. If this node's log holds that entry with the same term, the chain
     * is this cluster's history and continues from there; otherwise a new generation starts with a base copy.
     */
    private void startChain() throws Exception {
        BackupCatalog catalog = BackupCatalog.read(target);
        var newest = catalog.newest();
        if (newest.isPresent()) {
            BackupCatalog.Generation g = newest.get();
            long baseIndex = g.bases().lastKey();
            BaseCopy.Manifest base = catalog.manifest(g, baseIndex);
            BackupCatalog.ChainEnd chainEnd = catalog.chainEnd(g, base);
            long end = chainEnd.index();
            // A new leader may not have applied everything its predecessor stored yet: give it a moment.
            node.awaitApplied(end, CATCH_UP);
            // Index 0 is the empty database, where every history starts.
            if (end == 0 || end <= node.database().appliedIndex() && node.termAt(end) == chainEnd.term()
                    && holdsEntry(chainEnd)) {
                generation = g.id();
                storedIndex = end;
                storedStampMillis = chainEnd.timeMillis();
                storedBytes = g.storedBytes();
                lastBaseAt = Instant.ofEpochMilli(base.timeMillis());
                logBytesSinceBase = g.segments().tailMap(baseIndex + 1).values().stream()
                        .mapToLong(BackupCatalog.SegmentRef::size).sum();
                long oldest = g.bases().firstKey();
                oldestBase = new BackupStatus.Point(oldest, Instant.ofEpochMilli(catalog.manifest(g, oldest).timeMillis()));
                LOG.info("backup: continuing generation {} in {} after index {}", generation, target.describe(), end);
                return;
            }
            LOG.info("backup: the newest generation in {} ({}, up to index {}) is not this cluster's history; "
                    + "starting a new generation", target.describe(), g.id(), end);
        }
        String fresh = BackupLayout.newGeneration(clock.instant());
        storedBytes = 0;
        oldestBase = null;
        generation = fresh;
        storedIndex = -1;
        takeBase();
        LOG.info("backup: started generation {} in {} with a base copy at index {}", fresh, target.describe(),
                storedIndex);
    }

    /**
     * Whether this node's log holds the chain's last entry byte for byte (its time stamp and random seed tell two
     * histories apart that agree on index and term: a cluster restored from another's backup, for one). A chain
     * that ends with a base, or an entry this node has purged, is judged by the term alone.
     */
    private boolean holdsEntry(BackupCatalog.ChainEnd chainEnd) throws IOException {
        if (chainEnd.entry() == null) return true;
        try {
            List<CommittedEntry> entry = node.appliedEntries(chainEnd.index(), 1);
            return !entry.isEmpty() && entry.get(0).index() == chainEnd.index()
                    && java.util.Arrays.equals(entry.get(0).data(), chainEnd.entry());
        } catch (HaliteNode.LogPurgedException e) {
            return true;
        }
    }

    /** Stores every entry applied since the last round, in segments of at most about 8 MB. */
    private void shipApplied() throws Exception {
        while (storedIndex < node.database().appliedIndex()) {
            List<CommittedEntry> entries;
            try {
                entries = node.appliedEntries(storedIndex + 1, MAX_SEGMENT_BYTES);
            } catch (HaliteNode.LogPurgedException e) {
                LOG.warn("backup: {}; a new base copy bridges the gap", e.getMessage());
                takeBase();
                continue;
            }
            if (entries.isEmpty()) {
                return;
            }
            List<Segment.Record> records = new ArrayList<>(entries.size());
            for (CommittedEntry e : entries) {
                records.add(Segment.Record.of(e.index(), e.term(), e.data()));
            }
            Segment segment = new Segment(storedIndex + 1, records.get(records.size() - 1).index(), records);
            byte[] object = segment.encode();
            writes.put(BackupLayout.segment(generation, segment.first(), segment.last()), object);
            uploaded();
            storedIndex = segment.last();
            storedStampMillis = segment.lastStampMillis();
            storedBytes += object.length;
            logBytesSinceBase += object.length;
            releaseUpTo(storedIndex);
        }
    }

    /** An object was stored: the target works (again). */
    private void uploaded() {
        lastUpload = clock.instant();
        if (lastError != null) {
            LOG.info("backup target {} works again", target.describe());
            lastError = null;
            lastErrorAt = null;
        }
    }

    private boolean baseDue() {
        return logBytesSinceBase >= settings.baseAfterLogBytes()
                || Duration.between(lastBaseAt, clock.instant()).compareTo(settings.baseInterval()) >= 0;
    }

    /**
     * Stores a consistent copy of the database. In a new generation (or after a gap) the chain continues from the
     * copy's index.
     */
    private void takeBase() throws Exception {
        Path copy = Files.createTempFile(workDir, "base-", ".sqlite");
        Path stored = Files.createTempFile(workDir, "base-", ".sqlite.zst");
        try {
            SqliteDatabase.ImageState state = node.database().backupTo(copy);
            if (state.midLoad()) {
                throw new IOException("a /db/load is in progress; the base copy is taken after it");
            }
            if (state.appliedTerm() == LogPosition.UNKNOWN_TERM) {
                throw new IOException("the node is still replaying its log after a restart; the base copy is taken after it");
            }
            long index = state.appliedIndex();
            // The base holds entry `index`: its time is that entry's, if this node still has it (else now, later).
            long stamp = stampAtOrAfter(index);
            long time = stamp >= 0 && stamp <= clock.millis() ? stamp : clock.millis();
            BaseCopy.Manifest manifest = BaseCopy.compress(copy, stored, generation, index, state.appliedTerm(), time);
            writes.put(BackupLayout.baseData(generation, index), stored);
            byte[] json = manifest.toJson();
            writes.put(BackupLayout.baseManifest(generation, index), json);
            uploaded();
            storedBytes += manifest.storedBytes() + json.length;
            lastBaseAt = clock.instant();
            logBytesSinceBase = 0;
            if (oldestBase == null) {
                oldestBase = new BackupStatus.Point(index, Instant.ofEpochMilli(time));
            }
            if (storedIndex < index) {
                storedIndex = index;
                storedStampMillis = time;
                releaseUpTo(index);
            }
            LOG.info("backup: stored a base copy of {} bytes ({} compressed) at index {}", manifest.databaseBytes(),
                    manifest.storedBytes(), index);
        } finally {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(stored);
        }
    }

    /** The pinned time of the applied entry at {@code index}, or of the first one after it; -1 if there is none. */
    private long stampAtOrAfter(long index) {
        try {
            List<CommittedEntry> entry = node.appliedEntries(index, 1);
            return entry.isEmpty() ? -1 : EntryCodec.stampMillis(entry.get(0).data());
        } catch (IOException | HaliteNode.LogPurgedException e) {
            return -1;
        }
    }

    private void applyRetention() throws IOException {
        Retention.Outcome outcome = Retention.apply(writes, generation, settings, clock.instant());
        storedBytes = Math.max(0, storedBytes - outcome.deletedBytes());
        if (outcome.oldestKept() != null) {
            oldestBase = outcome.oldestKept();
        }
        lastRetention = clock.instant();
    }

    /** Upload rounds that failed since this uploader started (each is retried). */
    public long errorCount() {
        return errors.get();
    }

    public BackupStatus status() {
        boolean leading = node.isLeader() && generation != null && lease.holds();
        long applied = node.database().appliedIndex();
        long stored = Math.max(storedIndex, 0);
        long lag = leading ? Math.max(0, applied - stored) : 0;
        double lagSeconds = 0;
        if (lag > 0) {
            long oldestWaiting = stampAtOrAfter(stored + 1);
            lagSeconds = oldestWaiting < 0 ? 0 : Math.max(0, clock.millis() - oldestWaiting) / 1000.0;
        }
        BackupStatus.Point newest = storedIndex > 0 ? new BackupStatus.Point(storedIndex,
                Instant.ofEpochMilli(storedStampMillis)) : null;
        return new BackupStatus(target.describe(), settings.sync(), leading, generation, stored, applied, lag,
                lagSeconds, lastUpload, storedBytes, oldestBase, newest, lastError, lastErrorAt, lease.state());
    }

    /** Stops at once: what is not stored yet is shipped by the next leader, or by this node when it leads again. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        finishClosing();
    }

    /**
     * Stops after a last upload: a leader first stores everything it applied, taking at most {@code within}
     * (then it is stopped as {@link #close()} does).
     */
    public void closeAfterLastUpload(Duration within) {
        closed = true;
        wake();
        try {
            thread.join(Math.max(1, within.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
        finishClosing();
    }

    private void finishClosing() {
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiting("the node is shutting down");
        lease.close();
        target.close();
    }
}
