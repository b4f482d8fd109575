package io.halite.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.engine.ClusterIdentity;
import io.halite.core.raft.StateMachineQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a member does with the identities it hears, when a leader founds one, and how identities travel in member
 * messages without breaking members of the previous version.
 */
class IdentityGuardTest {
    @TempDir
    Path dir;

    private final List<NodeStop> stops = new ArrayList<>();

    private static HaliteNode.MemberInfo saying(String identity) {
        return new HaliteNode.MemberInfo("http://n:4001", 5, "", "", 5, identity);
    }

    private IdentityGuard guard(ClusterIdentity identity) {
        return new IdentityGuard("n1", dir, identity, stops::add);
    }

    @Test
    void aFollowerWhoseIdentityDiffersFromTheLeadersStopsNamingBothAndTheRemedy() throws Exception {
        ClusterIdentity identity = ClusterIdentity.load(dir.resolve("main.sqlite"));
        identity.adoptIfUnknown("3-1-aaaaaaaaaaaaaaaa");
        IdentityGuard guard = guard(identity);

        guard.heard("n2", saying("3-1-aaaaaaaaaaaaaaaa"), "n2", false);
        guard.heard("n3", saying("9-4-bbbbbbbbbbbbbbbb"), "n2", false); // not the leader: proves nothing
        guard.heard("n2", saying(null), "n2", false); // the previous version says nothing
        assertThat(stops).isEmpty();

        guard.heard("n2", saying("9-4-bbbbbbbbbbbbbbbb"), "n2", false);
        assertThat(stops).hasSize(1);
        assertThat(stops.get(0).reason()).isEqualTo(NodeStop.Reason.FOREIGN_CLUSTER);
        assertThat(stops.get(0).message()).contains("belongs to another cluster", "3-1-aaaaaaaaaaaaaaaa",
                "n2 (the leader): 9-4-bbbbbbbbbbbbbbbb", "Start it with an empty data directory");
    }

    @Test
    void aLeaderHearingAnotherIdentityDoesNotStop() throws Exception {
        ClusterIdentity identity = ClusterIdentity.load(dir.resolve("main.sqlite"));
        identity.adoptIfUnknown("3-1-aaaaaaaaaaaaaaaa");
        guard(identity).heard("n2", saying("9-4-bbbbbbbbbbbbbbbb"), "n1", true);
        assertThat(stops).isEmpty();
    }

    @Test
    void aMemberWithoutIdentityAdoptsTheLeadersDurablyAndNobodyElses() throws Exception {
        ClusterIdentity identity = ClusterIdentity.load(dir.resolve("main.sqlite"));
        IdentityGuard guard = guard(identity);
        guard.heard("n3", saying("9-4-bbbbbbbbbbbbbbbb"), "n2", false);
        assertThat(identity.value()).isEmpty();

        guard.heard("n2", saying("3-1-aaaaaaaaaaaaaaaa"), "n2", false);
        assertThat(identity.value()).isEqualTo("3-1-aaaaaaaaaaaaaaaa");
        assertThat(ClusterIdentity.load(dir.resolve("main.sqlite")).value()).isEqualTo("3-1-aaaaaaaaaaaaaaaa");
        assertThat(Files.readString(dir.resolve("main.sqlite.cluster")).strip()).isEqualTo("3-1-aaaaaaaaaaaaaaaa");
        assertThat(stops).isEmpty();
    }

    @Test
    void aLeaderFoundsAnIdentityOnlyOnceEveryMemberSaidItHasNoneAndNotAgainWhileItIsInFlight() throws Exception {
        ClusterIdentity identity = ClusterIdentity.load(dir.resolve("main.sqlite"));
        IdentityGuard guard = guard(identity);
        AtomicInteger proposed = new AtomicInteger();
        Runnable propose = proposed::incrementAndGet;

        guard.foundIfDue(false, List.of(), id -> null, propose); // not a ready leader
        guard.foundIfDue(true, List.of("n2", "n3"), Map.of("n2", saying(""))::get, propose); // n3 not heard
        guard.foundIfDue(true, List.of("n2", "n3"),
                Map.of("n2", saying(""), "n3", saying(null))::get, propose); // n3 runs the previous version
        guard.foundIfDue(true, List.of("n2", "n3"),
                Map.of("n2", saying(""), "n3", saying("3-1-aaaaaaaaaaaaaaaa"))::get, propose); // n3 has one
        assertThat(proposed).hasValue(0);

        guard.foundIfDue(true, List.of("n2", "n3"), Map.of("n2", saying(""), "n3", saying(""))::get, propose);
        guard.foundIfDue(true, List.of("n2", "n3"), Map.of("n2", saying(""), "n3", saying(""))::get, propose);
        assertThat(proposed).hasValue(1);

        identity.adoptIfUnknown(ClusterIdentity.foundedBy(7, 1, new byte[] {2, 1}));
        assertThat(identity.value()).matches("7-1-[0-9a-f]{16}");
        assertThat(identity.adoptIfUnknown("8-1-cccccccccccccccc")).as("a later founding entry changes nothing")
                .isFalse();
    }

    @Test
    void membersOfThePreviousVersionAreAnsweredInTheirFiveLinesAndTheirMessagesAreHeard() throws Exception {
        ClusterIdentity identity = ClusterIdentity.load(dir.resolve("main.sqlite"));
        identity.adoptIfUnknown("3-1-aaaaaaaaaaaaaaaa");
        List<HaliteNode.MemberInfo> heard = new ArrayList<>();
        MemberDirectory directory = new MemberDirectory("n1", "http://n1:4001", () -> 12, () -> 13, () -> null,
                () -> null, identity::value, List::of, null, (id, info, at) -> heard.add(info), () -> {});

        // The previous version asks with kind 0 and parses five lines, the last as a number.
        String legacy = utf8(directory.answer(message(0, "")));
        assertThat(legacy.split("\n", -1)).containsExactly("http://n1:4001", "12", "", "", "13");
        String withIdentity = utf8(directory.answer(message(3, "")));
        assertThat(withIdentity.split("\n", -1))
                .containsExactly("http://n1:4001", "12", "", "", "13", "3-1-aaaaaaaaaaaaaaaa");

        // A tell of the previous version (kind 1, five lines) is heard, with no identity.
        assertThat(directory.answer(message(1, "n0\nhttp://n0:4001\n10\n\n\n11")).length == 0).isTrue();
        assertThat(heard).containsExactly(new HaliteNode.MemberInfo("http://n0:4001", 10, "", "", 11, null));
        directory.close();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A member message as its bytes arrive (first byte 0, then the kind), read as the state machine reads it. */
    private static StateMachineQuery.MemberMessage message(int kind, String text) {
        return (StateMachineQuery.MemberMessage) StateMachineQuery.decode(
                ByteString.copyFrom(new byte[] {0, (byte) kind}).concat(ByteString.copyFromUtf8(text)));
    }
}
