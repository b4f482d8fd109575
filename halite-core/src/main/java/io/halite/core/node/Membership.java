package io.halite.core.node;

import io.halite.core.raft.RaftNode;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who is in the cluster and who leads it: adding and removing members, and handing leadership over. */
final class Membership {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final String selfId;
    private final RaftNode raft;
    private final MemberDirectory members;

    Membership(String selfId, RaftNode raft, MemberDirectory members) {
        this.selfId = selfId;
        this.raft = raft;
        this.members = members;
    }

    /** See {@link HaliteNode#learnMembers}. */
    void learn(List<HaliteNode.KnownMember> known) {
        known.forEach(m -> members.learn(m.id(), m.apiAddress()));
        raft.learn(known.stream().map(m -> new NodeConfig.Peer(m.id(), m.raftAddress())).toList());
    }

    /** See {@link HaliteNode#addMember}. */
    HaliteNode.MembershipChange add(String id, String raftAddress, boolean voter, Duration timeout)
            throws InterruptedException {
        return raft.changeMembership(timeout, "add " + id, (voters, listeners, sent) -> {
            String existing = voters.getOrDefault(id, listeners.get(id));
            if (existing != null) {
                boolean isVoter = voters.containsKey(id);
                if (existing.equals(raftAddress) && isVoter == voter) {
                    return false;
                }
                throw new NodeException(NodeException.Reason.MEMBERSHIP_CONFLICT, "node " + id + " is already a "
                        + (isVoter ? "voting" : "non-voting") + " member at " + existing
                        + "; remove it first to add it again differently");
            }
            (voter ? voters : listeners).put(id, raftAddress);
            return true;
        }) ? HaliteNode.MembershipChange.ADDED : HaliteNode.MembershipChange.ALREADY_MEMBER;
    }

    /** See {@link HaliteNode#removeMember}. */
    void remove(String id, Duration timeout) throws InterruptedException {
        raft.changeMembership(timeout, "remove " + id, (voters, listeners, sent) -> {
            if (!voters.containsKey(id) && listeners.remove(id) == null) {
                if (sent) {
                    return false; // an earlier attempt that seemed to fail took effect
                }
                throw new NodeException(NodeException.Reason.NO_SUCH_MEMBER, "no member has the id " + id);
            }
            if (voters.containsKey(id) && voters.size() == 1) {
                throw new NodeException(NodeException.Reason.LAST_VOTER, "node " + id
                        + " is the only voting member; it cannot be removed");
            }
            voters.remove(id);
            return true;
        });
    }

    /** If this node leads, hands leadership to the voter holding the most of the log (see {@link HaliteNode#prepareToStop}). */
    void handOverBeforeStop(Duration timeout) {
        String successor = raft.mostCaughtUpVoter();
        if (successor == null) {
            return;
        }
        String failure = raft.handOverLeadership(successor, timeout);
        if (failure != null) {
            LOG.warn("handing leadership to {} failed: {}; the others elect a leader once this node stops",
                    successor, failure);
        }
    }

    /** See {@link HaliteNode#stepDown}. */
    String stepDown(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!raft.isLeader()) {
            throw NodeException.notLeader("this node is not the leader" + raft.leaderHint());
        }
        while (true) {
            String successor = raft.mostCaughtUpVoter();
            if (successor == null) {
                throw new NodeException(NodeException.Reason.MEMBERSHIP_CONFLICT, "there is no other voting member "
                        + "to hand leadership to: node " + selfId + " is the only voter");
            }
            // A successor must hold the leader's whole log before it is asked to run; under a steady stream of
            // writes on a slow machine it may not get there within one attempt's time: try again while time is left.
            String failure = raft.handOverLeadership(successor,
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (failure == null || !raft.isLeader()) {
                // Handed over, or an attempt that seemed to fail moved leadership after all; this node may hear
                // of the new leader a moment later.
                String leader = raft.leaderId();
                while ((leader == null || leader.equals(selfId)) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                    leader = raft.leaderId();
                }
                return leader == null || leader.equals(selfId) ? successor : leader;
            }
            if (System.nanoTime() > deadline) {
                throw NodeException.unavailable("could not hand leadership to " + successor + " within "
                        + timeout.toMillis() + " ms: " + failure);
            }
            LOG.info("handing leadership to {} failed: {}; trying again", successor, failure);
            Thread.sleep(100);
        }
    }
}
