package io.halite.core.raft;

import io.halite.core.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * Confirms that this node still leads, by a round of messages begun after the reads it answers for arrived. A
 * linearizable read needs this, and Ratis 3.3's ReadIndex does not always do it: once a majority has acknowledged a
 * heartbeat at some commit index, Ratis answers every later read at that same index at once. A leader cut off from
 * the others, with no write moving its commit index, then goes on answering linearizable reads until it steps down
 * (up to twice the election timeout), while the majority may already have elected another leader and acknowledged
 * writes that those reads miss ({@code PartitionTest} saw it).
 *
 * <p>The round asks every other voter whom it follows, in which term. When a majority (this node among them)
 * answers "this node, in its current term", no other leader had been elected when they answered: a majority that
 * elected one, in a later term, shares a member with this one, and that member would have moved to the later term
 * before answering. So the reads waiting for the round, which arrived before it began, miss no acknowledged write.
 * No clocks are involved. During a membership change both the old and the new voters must confirm, as for a commit.
 */
final class LeadershipCheck {
    private final RaftServer.Division division;
    private final BiFunction<String, byte[], CompletableFuture<byte[]>> ask;
    private final long answerTimeoutMillis;
    private final byte[] question = new StateMachineQuery.MemberMessage(StateMachineQuery.MemberKind.LEADER_CHECK, "")
            .bytes();

    /**
     * @param division            this node's Raft division
     * @param ask                 sends a member message to the member with this id, the future holding its answer
     * @param answerTimeoutMillis how long a member's answer may take before the round counts it as no
     */
    LeadershipCheck(RaftServer.Division division, BiFunction<String, byte[], CompletableFuture<byte[]>> ask,
                    long answerTimeoutMillis) {
        this.division = division;
        this.ask = ask;
        this.answerTimeoutMillis = answerTimeoutMillis;
    }

    /** A member's answer to the question: its current term, a space, and the leader it knows (empty if none). */
    static Message answer(RaftServer.Division division) {
        DivisionInfo info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        return Message.valueOf(info.getCurrentTerm() + " " + (leader == null ? "" : leader.toString()));
    }

    /**
     * One round: completes once a majority has confirmed this node as its leader in its current term; fails with
     * {@link NodeException} {@code UNAVAILABLE} if this node does not lead, or not enough members confirmed.
     */
    CompletableFuture<Void> round() {
        DivisionInfo info = division.getInfo();
        if (!info.isLeader()) {
            return CompletableFuture.failedFuture(notConfirmed("this node no longer leads"));
        }
        long term = info.getCurrentTerm();
        String self = division.getId().toString();
        RaftConfiguration conf = division.getRaftConf();
        List<Set<String>> electorates = conf.getPreviousPeers().isEmpty()
                ? List.of(ids(conf.getCurrentPeers())) : List.of(ids(conf.getCurrentPeers()), ids(conf.getPreviousPeers()));
        Set<String> others = new HashSet<>();
        electorates.forEach(others::addAll);
        others.remove(self);
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        confirmed.add(self);
        if (others.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> round = new CompletableFuture<>();
        AtomicInteger unanswered = new AtomicInteger(others.size());
        for (String member : others) {
            ask.apply(member, question).orTimeout(answerTimeoutMillis, TimeUnit.MILLISECONDS)
                    .whenComplete((answer, error) -> {
                        if (error == null && confirms(answer, term, self)) {
                            confirmed.add(member);
                        }
                        int left = unanswered.decrementAndGet();
                        if (electorates.stream().allMatch(voters -> isMajority(confirmed, voters))) {
                            // Still leading in the same term: otherwise another term began after the answers.
                            DivisionInfo now = division.getInfo();
                            if (now.isLeader() && now.getCurrentTerm() == term) {
                                round.complete(null);
                            } else {
                                round.completeExceptionally(notConfirmed("this node no longer leads"));
                            }
                        } else if (left == 0) {
                            round.completeExceptionally(notConfirmed("a majority did not confirm that this node "
                                    + "still leads (it may be cut off from the others)"));
                        }
                    });
        }
        return round;
    }

    private static boolean confirms(byte[] answer, long term, String leader) {
        if (answer == null) {
            return false;
        }
        String[] parts = new String(answer, StandardCharsets.UTF_8).split(" ", -1);
        return parts.length == 2 && parts[0].equals(Long.toString(term)) && parts[1].equals(leader);
    }

    private static boolean isMajority(Set<String> confirmed, Set<String> voters) {
        return voters.stream().filter(confirmed::contains).count() * 2 > voters.size();
    }

    private static Set<String> ids(Collection<RaftPeer> peers) {
        Set<String> ids = new HashSet<>();
        peers.forEach(p -> ids.add(p.getId().toString()));
        return ids;
    }

    private static NodeException notConfirmed(String why) {
        return NodeException.unavailable("linearizable read failed: " + why);
    }
}
