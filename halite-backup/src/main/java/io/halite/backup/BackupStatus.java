package io.halite.backup;

import java.time.Instant;

/**
 * What {@code GET /backup/status} reports. Only the leader uploads; on other nodes {@code uploading} is false and
 * the chain fields describe what this node last knew as leader, if ever.
 *
 * @param lagEntries applied entries not yet stored in the backup
 * @param lagSeconds how long the oldest of them has been waiting (by its pinned time)
 * @param restorableFrom the oldest point a restore can reach (null if nothing is restorable yet)
 * @param restorableTo the newest
 * @param lease this node's view of the destination's lease (see {@link BackupLease})
 */
public record BackupStatus(String target, boolean sync, boolean uploading, String generation, long storedIndex,
                           long appliedIndex, long lagEntries, double lagSeconds, Instant lastUpload,
                           long storedBytes, Point restorableFrom, Point restorableTo, String lastError,
                           Instant lastErrorAt, Lease lease) {
    /** Whether this node leads but does not upload because it cannot take the lease (or reach it). */
    public boolean leaseRefused() {
        return !lease.held() && lease.problem() != null;
    }

    /**
     * @param held whether this node holds the lease (it may upload)
     * @param holder who holds it, as last seen (null if unknown or free)
     * @param problem why this node, leading, does not hold it, or why it could not renew it; null if none
     */
    public record Lease(boolean held, String holder, String problem) {}

    /** A restorable point: a log index and the time pinned in its entry. */
    public record Point(long index, Instant time) {}
}
