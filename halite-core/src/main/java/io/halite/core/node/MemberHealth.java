package io.halite.core.node;

import io.halite.core.raft.RaftNode;
import io.halite.core.raft.SqliteStateMachine;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node makes of what members say of themselves ({@link MemberDirectory}): a follower learns how far the
 * leader has applied (see {@link CatchUp}) and notices when its own log stalls; the leader logs members that
 * cannot write their storage and steps down for a member whose log stalled.
 */
final class MemberHealth {
    private static final Logger LOG = LoggerFactory.getLogger(MemberHealth.class);
    /** A follower whose log has not grown for this long while it lacks entries the leader applied is stalled. */
    private static final long LOG_STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A leader steps down for a stalled member at most this often. */
    private static final long STALL_STEP_DOWN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final RaftNode raft;
    private final SqliteStateMachine stateMachine;
    private final CatchUp catchUp;
    private final IdentityGuard identityGuard;
    private long logEnd = -1;
    private long logEndSinceNanos;
    private volatile long lastStallStepDownNanos = System.nanoTime() - STALL_STEP_DOWN_EVERY_NANOS;
    /** The storage failure each member last reported, so that the leader logs each change once. */
    private final Map<String, String> memberStorageFailures = new ConcurrentHashMap<>();

    MemberHealth(RaftNode raft, SqliteStateMachine stateMachine, CatchUp catchUp, IdentityGuard identityGuard) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.catchUp = catchUp;
        this.identityGuard = identityGuard;
    }

    /**
     * How this follower's log stopped receiving the entries it lacks, or null. A leader never lowers what it
     * believes a follower holds (Ratis's match index): a follower that lost its log (restarted with an empty or an
     * older data directory) answers every append with "inconsistent" while the leader keeps sending from where the
     * follower used to be, and it is never sent the start of the log. The leader, told so, steps down: a new term
     * starts with no such belief, and the follower is sent the log from where its own ends (or a copy).
     */
    synchronized String logStall() {
        long now = System.nanoTime();
        long leaderApplied = catchUp.lastLeaderApplied();
        if (raft.whyNotRunning() != null) {
            return null;
        }
        // Not "is a leader known": a follower sent only appends it must refuse mostly knows no leader in Ratis,
        // while the leader's own member messages (catchUp) still reach it.
        if (raft.isLeader() || stateMachine.storageFailure() != null || stateMachine.installingCopy()) {
            logEnd = -1;
            return null;
        }
        long end = raft.lastLogIndex();
        if (end < 0) {
            return null; // stopped meanwhile
        }
        if (end != logEnd || leaderApplied <= end) {
            logEnd = end;
            logEndSinceNanos = now;
            return null;
        }
        long stalled = now - logEndSinceNanos;
        return stalled < LOG_STALL_NANOS ? null : "its log ends at index " + end + " and has received nothing for "
                + TimeUnit.NANOSECONDS.toSeconds(stalled) + " s, while the leader has applied up to " + leaderApplied;
    }

    /**
     * What a member said of itself: the leader's applied index tells how far behind this node is; on the leader,
     * a member that cannot store the log is logged once per change, and a member whose log stalled makes it step
     * down (see {@link #logStall()}); the identity it names goes to the {@link IdentityGuard}.
     */
    void heard(String id, HaliteNode.MemberInfo info, long atNanos) {
        String leaderId = raft.leaderId();
        boolean leads = raft.isLeader();
        identityGuard.heard(id, info, leaderId, leads);
        if (id.equals(leaderId)) {
            catchUp.leaderApplied(info.appliedIndex(), atNanos);
        }
        // The leader's match index for a member that reports a stalled log behind it: that member lost entries it
        // had acknowledged. One whose log ends at or beyond it (back from a partition, say) is being sent what it
        // lacks, and stepping down would only cost an election.
        if (leads && !info.logStall().isEmpty() && raft.believedLogEnd(id) > info.lastLogIndex()
                && atNanos - lastStallStepDownNanos > STALL_STEP_DOWN_EVERY_NANOS) {
            lastStallStepDownNanos = atNanos;
            LOG.warn("member {} receives no log entries: {}; it lost entries it had acknowledged (an emptied or older "
                    + "data directory). Stepping down so that the next leader sends it the log from where its log "
                    + "ends", id, info.logStall());
            raft.stepDownSoon();
        }
        String before = memberStorageFailures.put(id, info.storageFailure());
        if (leads && !info.storageFailure().equals(before == null ? "" : before)) {
            if (info.storageFailure().isEmpty()) {
                LOG.info("member {} can write its storage again", id);
            } else {
                LOG.error("member {} stopped accepting log entries: it cannot write its storage ({}); it applied up "
                        + "to index {}", id, info.storageFailure(), info.appliedIndex());
            }
        }
    }
}
