package io.halite.core.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.util.HexFormat;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * The queries members send each other's state machines, byte for byte. Members of two versions exchange them
 * during a rolling upgrade: a test failing here means the format changed, which must be deliberate.
 */
class StateMachineQueryTest {
    private static final HexFormat HEX = HexFormat.of();
    /** A member telling another about itself, with the cluster identity: 0, kind 4, then the text. */
    private static final String TELL_WITH_IDENTITY = "0004" + "6e310a3132372e302e302e313a343030310a37";
    private static final String ASK_WITH_IDENTITY = "0003";
    /** A forwarded read is the request in the entry codec's request format (version 1: single statements). */
    private static final String FORWARDED_READ = "0102000000010000000853454c454354203f0100000001010000000000000003";

    @Test
    void aReadIndexProbeIsAnEmptyMessage() {
        assertThat(new StateMachineQuery.ReadIndexProbe().toMessage().getContent().isEmpty()).isTrue();
        assertThat(StateMachineQuery.decode(ByteString.EMPTY)).isEqualTo(new StateMachineQuery.ReadIndexProbe());
    }

    @Test
    void memberMessagesEncodeToTheirGoldenBytesAndBack() {
        StateMachineQuery.MemberMessage tell = new StateMachineQuery.MemberMessage(
                StateMachineQuery.MemberKind.TELL_WITH_IDENTITY, "n1\n127.0.0.1:4001\n7");
        assertThat(hex(tell)).isEqualTo(TELL_WITH_IDENTITY);
        assertThat(decode(TELL_WITH_IDENTITY)).isEqualTo(tell);

        StateMachineQuery.MemberMessage ask = new StateMachineQuery.MemberMessage(
                StateMachineQuery.MemberKind.ASK_WITH_IDENTITY, "");
        assertThat(hex(ask)).isEqualTo(ASK_WITH_IDENTITY);
        assertThat(decode(ASK_WITH_IDENTITY)).isEqualTo(ask);
        assertThat(hex(new StateMachineQuery.MemberMessage(StateMachineQuery.MemberKind.ASK, ""))).isEqualTo("0000");
        assertThat(hex(new StateMachineQuery.MemberMessage(StateMachineQuery.MemberKind.TELL, "x")))
                .isEqualTo("000178");
        assertThat(hex(new StateMachineQuery.MemberMessage(StateMachineQuery.MemberKind.ANNOUNCE, "x")))
                .isEqualTo("000278");
    }

    @Test
    void aMemberMessageOfAKindThisNodeDoesNotKnowIsAnsweredAsAPlainAsk() {
        assertThat(decode("0009" + "6e32")).isEqualTo(
                new StateMachineQuery.MemberMessage(StateMachineQuery.MemberKind.ASK, "n2"));
    }

    @Test
    void aForwardedReadCarriesTheRequestInTheCodecsFormat() {
        SqlRequest read = new SqlRequest(List.of(SqlStatement.of("SELECT ?", 3L)), false, true);
        assertThat(hex(new StateMachineQuery.ForwardedRead(read))).isEqualTo(FORWARDED_READ);

        SqlRequest decoded = ((StateMachineQuery.ForwardedRead) decode(FORWARDED_READ)).request();
        assertThat(decoded.readOnly()).isTrue();
        assertThat(decoded.statements().get(0).sql()).isEqualTo("SELECT ?");
        assertThat(decoded.statements().get(0).params()).containsExactly(3L);
    }

    @Test
    void malformedQueriesAreRefused() {
        assertThatThrownBy(() -> decode("00")).hasMessage("a member message without its kind");
        assertThatThrownBy(() -> decode("07")).hasMessageContaining("request format version 7 is not supported");
    }

    private static String hex(StateMachineQuery query) {
        return HEX.formatHex(query.toMessage().getContent().toByteArray());
    }

    private static StateMachineQuery decode(String hex) {
        return StateMachineQuery.decode(ByteString.copyFrom(HEX.parseHex(hex)));
    }
}
