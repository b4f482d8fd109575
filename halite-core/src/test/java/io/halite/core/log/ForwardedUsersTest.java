package io.halite.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardedUsersTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final LogEntry.Batch BATCH = new LogEntry.Batch(1, 2, 3, List.of(
            new SqlRequest(List.of(new SqlStatement("X", List.of(), Map.of())), false),
            new SqlRequest(List.of(new SqlStatement("Y", List.of(7L), Map.of())), true)));

    /** The entry as EntryCodec writes it (format 2), the users after it; fixed: members of other versions read it. */
    private static final String ENTRY_HEX = "02" + "01" + "0000000000000001" + "0000000000000002"
            + "0000000000000003" + "00000002"
            + "00" + "00000001" + "00000001" + "58" + "01" + "00000000"
            + "01" + "00000001" + "00000001" + "59" + "01" + "00000001" + "01" + "0000000000000007";
    private static final String USERS_HEX = "01" + "00000002" + "00000005" + "616c696365" + "00000000" + "48555352";

    @Test
    void theUserNamesFollowTheEntryUnchangedAndEndWithTheMagic() {
        byte[] entry = EntryCodec.encode(BATCH);
        assertThat(HEX.formatHex(entry)).isEqualTo(ENTRY_HEX);
        assertThat(HEX.formatHex(ForwardedUsers.append(entry, List.of("alice", "")))).isEqualTo(ENTRY_HEX + USERS_HEX);
    }

    @Test
    void splittingGivesBackTheEntryItsLengthAndOneUserPerRequest() {
        ForwardedUsers.Split split = ForwardedUsers.split(HEX.parseHex(ENTRY_HEX + USERS_HEX));
        assertThat(split.entryLength()).isEqualTo(ENTRY_HEX.length() / 2);
        assertThat(split.users()).containsExactly("alice", "");
        assertThat(split.entry().requests()).hasSize(2);
        assertThat(split.entry().requests().get(1).statements().get(0).params()).containsExactly(7L);
    }

    @Test
    void anEntryWhoseLastBytesEqualTheMagicIsStillABareEntry() {
        LogEntry.Batch ending = new LogEntry.Batch(1, 2, 3, List.of(new SqlRequest(List.of(new SqlStatement("Z",
                List.of(ByteBuffer.allocate(4).putInt(ForwardedUsers.MAGIC).array()), Map.of())), false)));
        byte[] entry = EntryCodec.encode(ending);
        assertThat(Arrays.copyOfRange(entry, entry.length - 4, entry.length)).isEqualTo(HEX.parseHex("48555352"));
        assertThat(ForwardedUsers.split(entry)).isNull();
        assertThat(ForwardedUsers.split(EntryCodec.encode(BATCH))).isNull();
    }

    @Test
    void malformedUserNamesAreRefused() {
        byte[] entry = EntryCodec.encode(BATCH);
        assertThatThrownBy(() -> ForwardedUsers.split(ForwardedUsers.append(entry, List.of("alice"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1 user names follow a batch of 2 requests");
        assertThatThrownBy(() -> ForwardedUsers.split(HEX.parseHex(ENTRY_HEX + "02" + USERS_HEX.substring(2))))
                .hasMessage("user names of format version 2 are not supported");
        assertThatThrownBy(() -> ForwardedUsers.split(HEX.parseHex(ENTRY_HEX + "01" + "00000002" + "7fffffff"
                + "48555352"))).hasMessage("truncated user names");
        assertThatThrownBy(() -> ForwardedUsers.split(HEX.parseHex(ENTRY_HEX + USERS_HEX.replace("48555352",
                "0048555352")))).hasMessage("unexpected bytes after the user names");
        LogEntry.LoadChunk chunk = new LogEntry.LoadChunk(1, 2, 3, 0, true, new byte[] {1});
        assertThatThrownBy(() -> ForwardedUsers.split(ForwardedUsers.append(EntryCodec.encode(chunk), List.of())))
                .hasMessage("user names follow a log entry that is not a batch of requests");
    }

    @Test
    void aLeaderOfAnEarlierVersionDecodesTheEntryAndIgnoresTheNames() {
        byte[] wrapped = ForwardedUsers.append(EntryCodec.encode(BATCH), List.of("alice", "bob"));
        LogEntry decoded = EntryCodec.decode(new java.io.ByteArrayInputStream(wrapped));
        assertThat(decoded).usingRecursiveComparison().isEqualTo(BATCH);
    }
}
