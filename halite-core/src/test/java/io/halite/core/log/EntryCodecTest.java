package io.halite.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.SqlStatement;
import io.halite.core.sql.StatementResult;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The log entry format, byte for byte. Every replica, every restart and every backup decodes these bytes, and
 * nodes of two versions share a log during a rolling upgrade: a test failing here means the format changed, which
 * must be deliberate (a new version number, and old entries still decoding).
 */
class EntryCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Version 2, a batch of two requests: every value type, positional and named parameters, both flags. */
    private static final String BATCH = "02" + "01" + "0000018bcfe56800" + "0123456789abcdef" + "00000000000f4240"
            + "00000002"
            + "01" + "00000002"
            + "00000032" + "494e5345525420494e544f207428612c20622c20632c20642c2065292056414c554553283f2c203f2c203f2c203f2c203f29"
            + "01000000050001000000000000002a023ff800000000000003000000047465787404000000030102ff"
            + "00000023" + "5550444154452074205345542061203d203a6e616d652057484552452062203d20246e"
            + "0200000002000000053a6e616d6503000000047a6fc3ab00000002246e010000000000000007"
            + "02" + "00000001" + "00000008" + "53454c4543542031" + "0100000000";
    private static final String TRANSACTION = "02030000018bcfe56801fffffffffffffffe00000000000013880000000000000063"
            + "0000000100000000010000001944454c4554452046524f4d20742057484552452061203d203f0100000001030000000178";
    /** Version 4: two transactions, each with its time, seed, budget and requests, after the base index. */
    private static final String TRANSACTIONS = "04040000018bcfe568050000000000000005" + "0000000000000007" + "00000002"
            + "0000018bcfe56804" + "0000000000000005" + "0000000000000064" + "00000001" + "00" + "00000001"
            + "00000017" + "494e5345525420494e544f20742056414c554553283129" + "0100000000"
            + "0000018bcfe56805" + "fffffffffffffffa" + "00000000000000c8" + "00000001" + "01" + "00000001"
            + "0000000d" + "44454c4554452046524f4d2074" + "0100000000";
    /** Version 3 marks a statement text that holds several statements (older nodes must refuse it). */
    private static final String SEVERAL_STATEMENTS = "03010000018bcfe568020000000000000003000000000000000a000000010000"
            + "0000010000002a435245415445205441424c4520752878293b20494e5345525420494e544f20752056414c5545532831290100000000";
    private static final String LOAD_CHUNK = "02020000018bcfe568030000000000000000000000000000004d00000002010000000353514c";
    private static final String FORWARDED_READ = "0102000000010000000853454c454354203f0100000001010000000000000003";
    private static final String RESULTS = "0000000200000002013fd000000000000000000000000000050000000000000001033fe00000000000000000001d554e49515545"
            + "20636f6e73747261696e74206661696c65643a20742e610000001300000001023fc0000000000000000000000000000000000000"
            + "000000000000000002000000016100000007696e7465676572000000016200000004746578740000000201000000000000000103"
            + "000000017800040000000109";

    @Test
    void aBatchEncodesToItsGoldenBytesAndBack() {
        Map<String, Object> named = new LinkedHashMap<>();
        named.put(":name", "zoë");
        named.put("$n", 7L);
        List<SqlStatement> statements = List.of(
                new SqlStatement("INSERT INTO t(a, b, c, d, e) VALUES(?, ?, ?, ?, ?)",
                        Arrays.asList(null, 42L, 1.5, "text", new byte[] {1, 2, (byte) 255}), Map.of()),
                new SqlStatement("UPDATE t SET a = :name WHERE b = $n", List.of(), named));
        LogEntry.Batch batch = new LogEntry.Batch(1_700_000_000_000L, 0x0123456789abcdefL, 1_000_000L, List.of(
                new SqlRequest(statements, true), new SqlRequest(List.of(SqlStatement.of("SELECT 1")), false, true)));

        assertThat(HEX.formatHex(EntryCodec.encode(batch))).isEqualTo(BATCH);
        LogEntry.Batch decoded = (LogEntry.Batch) decode(BATCH);
        assertThat(decoded.stampMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(decoded.seed()).isEqualTo(0x0123456789abcdefL);
        assertThat(decoded.statementBudget()).isEqualTo(1_000_000L);
        assertThat(decoded.requests()).hasSize(2);
        assertThat(decoded.requests().get(0).transaction()).isTrue();
        assertThat(decoded.requests().get(1).readOnly()).isTrue();
        SqlStatement insert = decoded.requests().get(0).statements().get(0);
        assertThat(insert.sql()).isEqualTo("INSERT INTO t(a, b, c, d, e) VALUES(?, ?, ?, ?, ?)");
        assertThat(insert.params()).containsExactly(null, 42L, 1.5, "text", new byte[] {1, 2, (byte) 255});
        assertThat(decoded.requests().get(0).statements().get(1).namedParams()).containsExactly(
                Map.entry(":name", "zoë"), Map.entry("$n", 7L));
    }

    @Test
    void anEntryOfOneTransactionKeepsItsVersion2Bytes() {
        LogEntry.Transactions tx = new LogEntry.Transactions(99L, List.of(new LogEntry.Transaction(
                1_700_000_000_001L, -2L, 5_000L,
                List.of(new SqlRequest(List.of(SqlStatement.of("DELETE FROM t WHERE a = ?", "x")), false)))));

        assertThat(HEX.formatHex(EntryCodec.encode(tx))).isEqualTo(TRANSACTION);
        LogEntry.Transactions decoded = (LogEntry.Transactions) decode(TRANSACTION);
        assertThat(decoded.baseIndex()).isEqualTo(99L);
        assertThat(decoded.stampMillis()).isEqualTo(1_700_000_000_001L);
        assertThat(decoded.seed()).isEqualTo(-2L);
        assertThat(decoded.transactions()).hasSize(1);
        assertThat(decoded.transactions().get(0).statementBudget()).isEqualTo(5_000L);
        assertThat(decoded.transactions().get(0).requests().get(0).statements().get(0).params()).containsExactly("x");
    }

    @Test
    void anEntryOfSeveralTransactionsIsVersion4WithEachTransactionsTimeSeedAndBudget() {
        LogEntry.Transactions group = new LogEntry.Transactions(7L, List.of(
                new LogEntry.Transaction(1_700_000_000_004L, 5L, 100L,
                        List.of(new SqlRequest(List.of(SqlStatement.of("INSERT INTO t VALUES(1)")), false))),
                new LogEntry.Transaction(1_700_000_000_005L, -6L, 200L,
                        List.of(new SqlRequest(List.of(SqlStatement.of("DELETE FROM t")), true)))));

        assertThat(HEX.formatHex(EntryCodec.encode(group))).isEqualTo(TRANSACTIONS);
        LogEntry.Transactions decoded = (LogEntry.Transactions) decode(TRANSACTIONS);
        assertThat(decoded.baseIndex()).isEqualTo(7L);
        assertThat(decoded.stampMillis()).as("the latest transaction's time").isEqualTo(1_700_000_000_005L);
        assertThat(decoded.transactions()).extracting(LogEntry.Transaction::seed).containsExactly(5L, -6L);
        assertThat(decoded.transactions()).extracting(LogEntry.Transaction::statementBudget).containsExactly(100L, 200L);
        assertThat(decoded.transactions().get(1).requests().get(0).transaction()).isTrue();
        assertThat(decoded.transactions().get(1).requests().get(0).statements().get(0).sql()).isEqualTo("DELETE FROM t");
    }

    @Test
    void onlyATextOfSeveralStatementsUsesVersion3() {
        LogEntry.Batch several = new LogEntry.Batch(1_700_000_000_002L, 3L, 10L, List.of(new SqlRequest(
                List.of(SqlStatement.of("CREATE TABLE u(x); INSERT INTO u VALUES(1)")), false)));

        assertThat(HEX.formatHex(EntryCodec.encode(several))).isEqualTo(SEVERAL_STATEMENTS);
        assertThat(((LogEntry.Batch) decode(SEVERAL_STATEMENTS)).requests().get(0).statements().get(0).sql())
                .isEqualTo("CREATE TABLE u(x); INSERT INTO u VALUES(1)");
    }

    @Test
    void aLoadChunkEncodesToItsGoldenBytes() {
        LogEntry.LoadChunk chunk = new LogEntry.LoadChunk(1_700_000_000_003L, 0L, 77L, 2, true, new byte[] {'S', 'Q', 'L'});

        assertThat(HEX.formatHex(EntryCodec.encode(chunk))).isEqualTo(LOAD_CHUNK);
        LogEntry.LoadChunk decoded = (LogEntry.LoadChunk) decode(LOAD_CHUNK);
        assertThat(decoded.loadId()).isEqualTo(77L);
        assertThat(decoded.sequence()).isEqualTo(2);
        assertThat(decoded.last()).isTrue();
        assertThat(decoded.data()).isEqualTo(new byte[] {'S', 'Q', 'L'});
    }

    @Test
    void aVersion1EntryStillDecodesWithTheDefaultBudget() {
        // Version 1 had no budget field: the version 2 batch above without its bytes 18 to 25 (the budget).
        String version1 = "01" + BATCH.substring(2, 36) + BATCH.substring(52);

        LogEntry.Batch decoded = (LogEntry.Batch) decode(version1);
        assertThat(decoded.statementBudget()).isEqualTo(LogEntry.DEFAULT_STATEMENT_BUDGET);
        assertThat(decoded.requests()).hasSize(2);
        assertThat(decoded.seed()).isEqualTo(0x0123456789abcdefL);
    }

    @Test
    void aNewerFormatIsRefusedRatherThanGuessedAt() {
        String version5 = "05" + BATCH.substring(2);

        assertThatThrownBy(() -> decode(version5)).hasMessage(
                "log entry format version 5 is not supported by this node (it reads up to version 4); upgrade the node");
    }

    @Test
    void aForwardedReadAndTheResultsHaveTheirGoldenBytes() {
        SqlRequest read = new SqlRequest(List.of(SqlStatement.of("SELECT ?", 3L)), false, true);
        assertThat(HEX.formatHex(EntryCodec.encodeRequest(read))).isEqualTo(FORWARDED_READ);
        SqlRequest decodedRead = EntryCodec.decodeRequest(new ByteArrayInputStream(HEX.parseHex(FORWARDED_READ)));
        assertThat(decodedRead.readOnly()).isTrue();
        assertThat(decodedRead.statements().get(0).params()).containsExactly(3L);

        List<List<StatementResult>> results = List.of(
                List.of(new StatementResult.Exec(5L, 1L, 0.25),
                        new StatementResult.Failed("UNIQUE constraint failed: t.a", 19, 0.5)),
                List.of(new StatementResult.Rows(List.of("a", "b"), List.of("integer", "text"),
                        List.of(new Object[] {1L, "x"}, new Object[] {null, new byte[] {9}}), 0L, 0L, false, 0.125)));
        assertThat(HEX.formatHex(EntryCodec.encodeResults(results))).isEqualTo(RESULTS);
        List<List<StatementResult>> decoded = EntryCodec.decodeResults(new ByteArrayInputStream(HEX.parseHex(RESULTS)));
        assertThat(decoded.get(0).get(0)).isEqualTo(new StatementResult.Exec(5L, 1L, 0.25));
        assertThat(decoded.get(0).get(1)).isEqualTo(new StatementResult.Failed("UNIQUE constraint failed: t.a", 19, 0.5));
        StatementResult.Rows rows = (StatementResult.Rows) decoded.get(1).get(0);
        assertThat(rows.columns()).containsExactly("a", "b");
        assertThat(rows.values().get(0)).containsExactly(1L, "x");
        assertThat(rows.values().get(1)).containsExactly(null, new byte[] {9});
    }

    private static LogEntry decode(String hex) {
        return EntryCodec.decode(new ByteArrayInputStream(HEX.parseHex(hex)));
    }
}
