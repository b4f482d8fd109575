package io.halite.core.node;

import static io.halite.core.raft.StateMachineQuery.MemberKind.ANNOUNCE;
import static io.halite.core.raft.StateMachineQuery.MemberKind.ASK_WITH_IDENTITY;
import static io.halite.core.raft.StateMachineQuery.MemberKind.TELL;
import static io.halite.core.raft.StateMachineQuery.MemberKind.TELL_WITH_IDENTITY;

import io.halite.core.raft.StateMachineQuery.MemberKind;
import io.halite.core.raft.StateMachineQuery.MemberMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What members know of each other beyond Raft: each one's HTTP API address and how far it has applied the log.
 *
 * <p>Every member tells every other member about itself once a second, and a member not heard from lately is
 * asked directly; both travel through a {@link MemberChannel} (non-linearizable Ratis queries), which needs no leader. Telling, not only asking,
 * is needed because Ratis does not serve requests on a non-voting member added to a running cluster until the next
 * leader change, while that member can still send.
 *
 * <p>A member says which cluster its data belongs to ({@link io.halite.core.engine.ClusterIdentity}) only in the
 * message kinds that carry it: a member of the previous version reads any kind it does not know as a plain ask and
 * answers with its five lines, so it is told in its own kind too, and never sent a sixth line it cannot parse.
 */
final class MemberDirectory implements AutoCloseable {
    /** Takes the user names of forwarded batches ({@link io.halite.core.log.ForwardedUsers}). */
    static final String FORWARDED_USERS = "forwarded-users";
    /**
     * What this node announces. Tests set {@code halite.test.announceNothing} to play a member of the previous
     * version, which announces nothing.
     */
    private static final String FEATURES = Boolean.getBoolean("halite.test.announceNothing") ? "" : FORWARDED_USERS;
    private static final Duration TELL_EVERY = Duration.ofSeconds(1);
    /** What a member told is trusted this long; after that it is asked again. */
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(3);

    private record Heard(HaliteNode.MemberInfo info, long atNanos) {}

    private record Announced(Set<String> features, long atNanos) {}

    private final String selfId;
    private final String selfApi;
    private final LongSupplier applied;
    private final LongSupplier lastLogIndex;
    private final Supplier<String> storageFailure;
    private final Supplier<String> logStall;
    private final Supplier<String> clusterIdentity;
    private final Runnable afterEachRound;
    private final Listener listener;
    private final Supplier<Collection<String>> otherMembers;
    private final MemberChannel channel;
    private final Map<String, String> apiAddresses = new ConcurrentHashMap<>();
    private final Map<String, Heard> heard = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<?>> telling = new ConcurrentHashMap<>();
    /** What each member last announced, and when. */
    private final Map<String, Announced> announced = new ConcurrentHashMap<>();
    private final ScheduledExecutorService teller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-member-teller");
        t.setDaemon(true);
        return t;
    });

    /** Hears what another member said of itself, when it said it. */
    interface Listener {
        void heard(String id, HaliteNode.MemberInfo info, long atNanos);
    }

    /**
     * @param applied        this node's applied index
     * @param lastLogIndex   the index of the last entry in this node's log
     * @param storageFailure why this node cannot write its storage, or null
     * @param logStall       how this follower's log stopped receiving entries it lacks, or null
     * @param clusterIdentity the identity of the cluster this node's data belongs to, empty if none yet
     * @param otherMembers   the ids of the other members in this node's configuration
     * @param afterEachRound runs after the members have been told, once a second
     */
    MemberDirectory(String selfId, String selfApi, LongSupplier applied, LongSupplier lastLogIndex,
                    Supplier<String> storageFailure, Supplier<String> logStall, Supplier<String> clusterIdentity,
                    Supplier<Collection<String>> otherMembers, MemberChannel channel, Listener listener,
                    Runnable afterEachRound) {
        this.selfId = selfId;
        this.selfApi = selfApi;
        this.applied = applied;
        this.lastLogIndex = lastLogIndex;
        this.storageFailure = storageFailure;
        this.logStall = logStall;
        this.clusterIdentity = clusterIdentity;
        this.afterEachRound = afterEachRound;
        this.otherMembers = otherMembers;
        this.channel = channel;
        this.listener = listener;
    }

    void start() {
        teller.scheduleWithFixedDelay(this::tellEveryone, 0, TELL_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Remembers a member's API address learned elsewhere (from the cluster a node joins). */
    void learn(String id, String apiAddress) {
        if (!apiAddress.isEmpty()) {
            apiAddresses.put(id, apiAddress);
        }
    }

    /** Answers a member message received through Ratis; an empty answer for a tell. */
    byte[] answer(MemberMessage message) {
        String text = message.text();
        MemberKind kind = message.kind();
        if (kind == TELL || kind == TELL_WITH_IDENTITY || kind == ANNOUNCE) {
            int idEnd = text.indexOf('\n');
            String id = text.substring(0, idEnd);
            if (kind == ANNOUNCE) {
                announced.put(id, new Announced(Set.of(text.substring(idEnd + 1).split(",")), System.nanoTime()));
            } else {
                hear(id, parseInfo(text.substring(idEnd + 1)));
            }
            return new byte[0];
        }
        return describeSelf(kind == ASK_WITH_IDENTITY).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * This node as members tell it, one line each: API address, applied index, storage failure, log stall, last log
     * index (added after the first four; a member of the previous version that read four ignored it), and, when
     * {@code withIdentity}, the cluster identity (the previous version's parser would take it for part of the index).
     */
    private String describeSelf(boolean withIdentity) {
        return selfApi + "\n" + applied.getAsLong() + "\n" + line(storageFailure.get()) + "\n" + line(logStall.get())
                + "\n" + lastLogIndex.getAsLong() + (withIdentity ? "\n" + clusterIdentity.get() : "");
    }

    private static String line(String text) {
        return text == null ? "" : text.replace('\n', ' ');
    }

    private static HaliteNode.MemberInfo parseInfo(String text) {
        String[] parts = text.split("\n", 6);
        return new HaliteNode.MemberInfo(parts[0], Long.parseLong(parts[1]), parts.length > 2 ? parts[2] : "",
                parts.length > 3 ? parts[3] : "", parts.length > 4 ? Long.parseLong(parts[4]) : -1,
                parts.length > 5 ? parts[5] : null);
    }

    private HaliteNode.MemberInfo hear(String id, HaliteNode.MemberInfo info) {
        long now = System.nanoTime();
        heard.put(id, new Heard(info, now));
        learn(id, info.apiAddress());
        listener.heard(id, info, now);
        return info;
    }

    /** What a member says of itself: recently told, or asked now; null if it does not answer in time. */
    CompletableFuture<HaliteNode.MemberInfo> info(String id, Duration timeout) {
        if (id.equals(selfId)) {
            return CompletableFuture.completedFuture(parseInfo(describeSelf(true)));
        }
        Heard last = heard.get(id);
        if (last != null && System.nanoTime() - last.atNanos() < FRESH_NANOS) {
            return CompletableFuture.completedFuture(last.info());
        }
        CompletableFuture<byte[]> answer;
        try {
            answer = channel.send(id, message(ASK_WITH_IDENTITY, ""));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
        return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((a, error) -> {
            if (error != null || a == null) {
                return null;
            }
            return hear(id, parseInfo(utf8(a)));
        });
    }

    /**
     * Whether member {@code id} announced {@code feature} lately (within a few seconds, so that a member restarted
     * with an earlier version soon stops counting as supporting it).
     */
    boolean announced(String id, String feature) {
        Announced last = announced.get(id);
        return last != null && System.nanoTime() - last.atNanos() < FRESH_NANOS && last.features().contains(feature);
    }

    /** What a member told of itself within the last few seconds, without asking; null if nothing. */
    HaliteNode.MemberInfo heardRecently(String id) {
        Heard last = heard.get(id);
        return last != null && System.nanoTime() - last.atNanos() < FRESH_NANOS ? last.info() : null;
    }

    /**
     * What the member {@code id} says of itself, asked through {@code channel} (any channel to the group, even one
     * made before this node's Raft server runs); null if it does not answer within {@code timeout}.
     */
    static CompletableFuture<HaliteNode.MemberInfo> ask(MemberChannel channel, String id, Duration timeout) {
        return channel.send(id, message(ASK_WITH_IDENTITY, ""))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((a, error) -> error != null || a == null ? null : parseInfo(utf8(a)));
    }

    /** A member's API address as last heard, without asking; empty if none. */
    String knownApiAddress(String id) {
        return id.equals(selfId) ? selfApi : apiAddresses.getOrDefault(id, "");
    }

    /** A member's API address: known, or asked of it; empty if it does not answer within {@code timeout}. */
    String apiAddressOf(String id, Duration timeout) throws InterruptedException {
        String known = knownApiAddress(id);
        if (!known.isEmpty()) {
            return known;
        }
        try {
            HaliteNode.MemberInfo info = info(id, timeout).get();
            return info == null ? "" : info.apiAddress();
        } catch (java.util.concurrent.ExecutionException e) {
            return "";
        }
    }

    /**
     * One message per member, and none while the previous one to that member is unanswered. A member of the
     * previous version answers a tell with identity as an ask: it is heard from that answer and told in its kind.
     */
    private void tellEveryone() {
        try {
            byte[] message = message(TELL_WITH_IDENTITY, selfId + "\n" + describeSelf(true));
            byte[] announcement = FEATURES.isEmpty() ? null : message(ANNOUNCE, selfId + "\n" + FEATURES);
            for (String id : otherMembers.get()) {
                CompletableFuture<?> pending = telling.get(id);
                if (pending == null || pending.isDone()) {
                    // A tell to a member that died may never complete; a member restarted in its place must still
                    // be told, so each tell is given up after a few rounds.
                    CompletableFuture<?> told = channel.send(id, message).thenCompose(answer -> {
                        if (answer == null || answer.length == 0) {
                            return CompletableFuture.completedFuture(answer);
                        }
                        hear(id, parseInfo(utf8(answer)));
                        return channel.send(id, message(TELL, selfId + "\n" + describeSelf(false)));
                    });
                    if (announcement != null) {
                        told = CompletableFuture.allOf(told, channel.send(id, announcement));
                    }
                    telling.put(id, told.orTimeout(3 * TELL_EVERY.toMillis(), TimeUnit.MILLISECONDS));
                }
            }
        } catch (RuntimeException e) {
            // Not a member yet, or stopping: nobody to tell.
        }
        try {
            afterEachRound.run();
        } catch (RuntimeException e) {
            // The next round tries again.
        }
    }

    private static byte[] message(MemberKind kind, String text) {
        return new MemberMessage(kind, text).bytes();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        teller.shutdownNow();
    }
}
