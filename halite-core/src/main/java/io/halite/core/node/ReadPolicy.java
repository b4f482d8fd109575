package io.halite.core.node;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.raft.RaftNode;
import io.halite.core.raft.SqliteStateMachine;
import io.halite.core.sql.SqlRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Decides and runs reads: whether this node's data is current enough for a {@link ReadRequest}, how long it waits
 * for the client's {@code min_index}, and where each level reads (see {@link ReadLevel}).
 */
final class ReadPolicy {
    private final RaftNode raft;
    private final SqliteStateMachine stateMachine;
    private final CatchUp catchUp;
    private final MemberDirectory members;
    private final Function<SqlRequest, CompletableFuture<WriteOutcome>> write;

    /** @param write sends a request through the log (how a strong read runs) */
    ReadPolicy(RaftNode raft, SqliteStateMachine stateMachine, CatchUp catchUp, MemberDirectory members,
               Function<SqlRequest, CompletableFuture<WriteOutcome>> write) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.catchUp = catchUp;
        this.members = members;
        this.write = write;
    }

    /** What decides whether this node's data may be served as it is (see {@link #staleness}). */
    record Standing(String unhealthy, boolean leader, long millisSinceLeader, long applied, long committed) {}

    /**
     * Why a read may not be served from this node's data (it is not current enough for what {@code read} asks),
     * or null if it may. A node whose storage failed, or a follower catching up, serves no read that checks
     * staleness; with a freshness bound, only the leader or a follower that heard from the leader within it and,
     * if strict, has applied everything it knows to be committed.
     *
     * @param standing this node now: {@code unhealthy} is why its data must not be served as current, or null;
     *                 {@code millisSinceLeader} is -1 if it knows no leader
     */
    static String staleness(ReadRequest read, Standing standing) {
        if (!read.checksStaleness()) {
            return null;
        }
        if (standing.unhealthy() != null) {
            return "stale read: " + standing.unhealthy();
        }
        if (standing.leader() || read.freshness() == null) {
            return null;
        }
        if (standing.millisSinceLeader() < 0) {
            return "stale read: this node knows no leader";
        }
        if (standing.millisSinceLeader() > read.freshness().toMillis()) {
            return "stale read: this node last heard from the leader " + standing.millisSinceLeader()
                    + " ms ago, more than freshness " + read.freshness().toMillis() + " ms";
        }
        if (read.strict() && standing.applied() < standing.committed()) {
            return "stale read: this node has applied up to index " + standing.applied() + " of the "
                    + standing.committed() + " it knows to be committed";
        }
        return null;
    }

    /**
     * Runs {@code request} as {@code read} asks. A read this node's data is not current enough for is answered
     * with why ({@link HaliteNode.ReadOutcome#staleRefusal()}), not run.
     *
     * @throws NodeException {@code UNAVAILABLE} if this node is no longer a member, its Raft server stopped, the
     *                       read could not reach the leader, or {@code min_index} was not applied in time
     */
    HaliteNode.ReadOutcome read(SqlRequest request, ReadRequest read, Duration timeout) throws InterruptedException {
        if (read.checksStaleness()) {
            raft.checkRunning();
            String refusal = staleness(read, standing());
            if (refusal != null) {
                return HaliteNode.ReadOutcome.refused(refusal);
            }
        }
        requireApplied(read.minIndex(), timeout);
        if (request.statements().isEmpty()) {
            return new HaliteNode.ReadOutcome(List.of(), 0);
        }
        switch (read.level()) {
            case STRONG -> {
                WriteOutcome outcome = HaliteNode.await(write.apply(request.asReadOnly()), timeout);
                return new HaliteNode.ReadOutcome(outcome.results(), outcome.raftIndex());
            }
            case LINEARIZABLE -> {
                long readIndex = HaliteNode.await(raft.readIndex(), timeout);
                if (!stateMachine.awaitApplied(readIndex, timeout.toMillis())) {
                    throw NodeException.unavailable("timed out waiting for this node to apply index " + readIndex);
                }
            }
            case WEAK -> {
                if (!raft.isLeader()) {
                    // The leader answers, if it still believes it leads: forward the read through Ratis.
                    return new HaliteNode.ReadOutcome(HaliteNode.await(raft.readOnLeader(request), timeout), 0);
                }
            }
            case NONE -> raft.checkRunning();
        }
        try {
            return new HaliteNode.ReadOutcome(database().query(request, timeout), 0);
        } catch (IllegalStateException e) {
            throw NodeException.unavailable(e.getMessage());
        }
    }

    private Standing standing() {
        boolean leader = raft.isLeader();
        return new Standing(storageOrLagProblem(), leader, leader ? -1 : raft.millisSinceLeaderHeard(),
                database().appliedIndex(), raft.commitIndex());
    }

    /**
     * Waits until this node has applied the log up to {@code index} (a client's {@code min_index}; 0 waits for
     * nothing).
     *
     * @throws NodeException {@code UNAVAILABLE} if it has not within {@code timeout}, or at once if this node leads
     *                       and its log ends before {@code index}
     */
    void requireApplied(long index, Duration timeout) throws InterruptedException {
        if (index <= 0) {
            return;
        }
        if (raft.isLeader()) {
            // A leader's log holds every committed entry, so no acknowledged write of this cluster lies beyond it.
            long end = Math.max(raft.lastLogIndex(), database().appliedIndex());
            if (index > end) {
                throw NodeException.unavailable("min_index " + index + " is beyond the end of this leader's log ("
                        + end + "): it comes from another cluster's log (one that answered at this address before), "
                        + "or this node no longer leads");
            }
        }
        if (!stateMachine.awaitApplied(index, timeout.toMillis())) {
            throw NodeException.unavailable("timed out waiting for this node to apply index " + index);
        }
    }

    /** Why this node's data must not be served as current (a failed storage, a follower catching up), or null. */
    String storageOrLagProblem() {
        String failure = stateMachine.storageFailure();
        if (failure != null) {
            return "this node cannot write its storage (" + failure + ")";
        }
        if (raft.isLeader()) {
            catchUp.led(); // a leader has applied everything committed: it is not catching up from its start
            return null;
        }
        String leader = raft.leaderId();
        long now = System.nanoTime();
        if (leader != null && (catchUp.lastHeardNanos() < 0 || now - catchUp.lastHeardNanos() > TimeUnit.SECONDS.toNanos(2))) {
            members.info(leader, Duration.ofSeconds(2)); // ask now; the answer reaches the node's member listener
        }
        return catchUp.lag(raft.appliedIndex(), now);
    }

    private SqliteDatabase database() {
        return stateMachine.database();
    }
}
