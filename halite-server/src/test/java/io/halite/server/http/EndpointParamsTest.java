package io.halite.server.http;

import static io.halite.server.http.BadRequest.assertBadRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.node.ReadLevel;
import io.halite.core.node.ReadRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Each endpoint's parameters as one record: the defaults a request without parameters gets, the values a client
 * can set, and the combinations refused (400, with these exact messages) before the endpoint does anything.
 */
class EndpointParamsTest {
    private static final ResultsJson.Style PLAIN = new ResultsJson.Style(false, false, false, false, false, false);

    @Test
    void aWriteWithoutParametersRendersPlainlyWaitsThirtySecondsAndIsForwarded() {
        assertThat(EndpointParams.Execute.parse(null)).isEqualTo(new EndpointParams.Execute(
                new EndpointParams.Statements(PLAIN, Duration.ofSeconds(30), false, false, false, null), false, false));
    }

    @Test
    void everyResultsOptionIsItsOwnFlag() {
        EndpointParams.Statements statements = EndpointParams.Execute.parse("pretty&timings=true&associative"
                + "&blob_array&error_codes&stored_values&raft_index&redirect&transaction&timeout=2s").statements();
        assertThat(statements).isEqualTo(new EndpointParams.Statements(
                new ResultsJson.Style(true, true, true, true, true, true), Duration.ofSeconds(2), true, true, true,
                null));
        assertThat(EndpointParams.Execute.parse("pretty=false&timings").statements().style())
                .isEqualTo(new ResultsJson.Style(false, true, false, false, false, false));
    }

    @Test
    void aQueuedWriteMayWaitButIsNeverATransaction() {
        assertThat(EndpointParams.Execute.parse("queue&wait&timeout=5s"))
                .extracting(EndpointParams.Execute::queue, EndpointParams.Execute::waitForQueue)
                .containsExactly(true, true);
        assertThat(EndpointParams.Execute.parse("queue=false").queue()).isFalse();
        assertBadRequest(() -> EndpointParams.Execute.parse("queue&transaction"), "a queued write cannot be a "
                + "transaction: queued requests are applied in batches, statement by statement; drop queue or "
                + "transaction");
        assertBadRequest(() -> EndpointParams.Execute.parse("queue&tx=abc"),
                "queue cannot be used with tx: an interactive transaction's statements run at once");
        assertBadRequest(() -> EndpointParams.Execute.parse("wait"),
                "wait is for queued writes: use it together with queue");
        assertBadRequest(() -> EndpointParams.Execute.parse("queue=false&wait"),
                "wait is for queued writes: use it together with queue");
    }

    @Test
    void anInvalidTimeoutIsRefusedEvenWhereTheRequestWouldNotWaitOnIt() {
        String message = "timeout is not a valid duration: 'abc' (examples: 500ms, 2s, 1m)";
        assertBadRequest(() -> EndpointParams.Execute.parse("tx=t1&timeout=abc"), message);
        assertBadRequest(() -> EndpointParams.Query.parse("level=none&timeout=abc"), message);
        assertBadRequest(() -> EndpointParams.Load.parse("timeout=abc"), message);
        assertBadRequest(() -> EndpointParams.Timed.parse("timeout=abc", Duration.ofSeconds(1)), message);
        assertBadRequest(() -> EndpointParams.Nodes.parse("timeout=-2s"),
                "timeout is not a valid duration: '-2s' (examples: 500ms, 2s, 1m)");
    }

    @Test
    void aReadIsWeakAndFreshEnoughUnlessTold() {
        EndpointParams.Query query = EndpointParams.Query.parse("q=SELECT+1");
        assertThat(query.q()).isEqualTo("SELECT 1");
        assertThat(query.consistency()).isEqualTo(new ReadRequest(ReadLevel.WEAK, null, false, 0));
        assertThat(EndpointParams.Query.parse("level=none&freshness=1m30s&freshness_strict&min_index=7").consistency())
                .isEqualTo(new ReadRequest(ReadLevel.NONE, Duration.ofSeconds(90), true, 7));
        assertThat(EndpointParams.Query.parse("").q()).isNull();
    }

    @Test
    void readOptionsAreCheckedOnRequestEvenWhenItTurnsOutToWrite() {
        assertBadRequest(() -> EndpointParams.Unified.parse("level=fast"),
                "invalid level 'fast': use none, weak, linearizable or strong");
        assertBadRequest(() -> EndpointParams.Unified.parse("freshness=abc"),
                "freshness is not a valid duration: 'abc' (examples: 500ms, 2s, 1m)");
        assertBadRequest(() -> EndpointParams.Query.parse("freshness_strict"), "freshness_strict requires freshness");
        assertBadRequest(() -> EndpointParams.Unified.parse("freshness_strict=false"),
                "freshness_strict requires freshness");
        assertBadRequest(() -> EndpointParams.Query.parse("min_index=-1"),
                "min_index must be a non-negative integer, not '-1'");
        assertThat(EndpointParams.Unified.parse("min_index=3&level=strong").consistency())
                .isEqualTo(new ReadRequest(ReadLevel.STRONG, null, false, 3));
    }

    @Test
    void insideATransactionWhereAndWhenToReadCannotBeChosen() {
        for (String name : new String[] {"level=strong", "freshness=1s", "freshness_strict", "min_index=1",
                "redirect"}) {
            String parameter = name.split("=")[0];
            String message = parameter + " cannot be used with tx: a transaction reads and writes on the leader, "
                    + "inside itself";
            assertBadRequest(() -> EndpointParams.Query.parse("tx=t1&" + name), message);
            assertBadRequest(() -> EndpointParams.Unified.parse(name + "&tx=t1"), message);
        }
        assertBadRequest(() -> EndpointParams.Execute.parse("tx=t1&redirect=false"),
                "redirect cannot be used with tx: a transaction reads and writes on the leader, inside itself");
        EndpointParams.Statements inTx = EndpointParams.Query.parse("tx=t1&timings").statements();
        assertThat(inTx.inTransaction()).isTrue();
        assertThat(inTx.tx()).isEqualTo("t1");
    }

    @Test
    void aTransactionIdlesTenSecondsByDefaultAndAtMostTenMinutes() {
        assertThat(EndpointParams.Begin.parse(null)).isEqualTo(new EndpointParams.Begin(PLAIN, Duration.ofSeconds(10),
                Duration.ofSeconds(30), 0, false));
        assertThat(EndpointParams.Begin.parse("idle_timeout=10m&timeout=1s&min_index=4&transaction&pretty"))
                .isEqualTo(new EndpointParams.Begin(new ResultsJson.Style(true, false, false, false, false, false),
                        Duration.ofMinutes(10), Duration.ofSeconds(1), 4, true));
        for (String idle : new String[] {"0", "0s", "10m1s", "1h"}) {
            assertBadRequest(() -> EndpointParams.Begin.parse("idle_timeout=" + idle),
                    "idle_timeout must be more than 0 and at most 10m");
        }
    }

    @Test
    void aBackupIsBinaryUnlessSqlIsAsked() {
        assertThat(EndpointParams.Backup.parse(null).sql()).isFalse();
        assertThat(EndpointParams.Backup.parse("fmt=binary").sql()).isFalse();
        assertThat(EndpointParams.Backup.parse("fmt=sql&redirect").sql()).isTrue();
        assertBadRequest(() -> EndpointParams.Backup.parse("fmt=csv"),
                "unsupported backup format 'csv': use binary (the default) or sql");
        assertBadRequest(() -> EndpointParams.Backup.parse("fmt="),
                "unsupported backup format '': use binary (the default) or sql");
        assertBadRequest(() -> EndpointParams.Backup.parse("redirect=no"),
                "invalid value 'no' for redirect: use true or false, or give redirect without a value");
    }

    @Test
    void operationsEndpointsTakeTheirFewOptions() {
        assertThat(EndpointParams.Load.parse("timings").timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(EndpointParams.Nodes.parse(null))
                .isEqualTo(new EndpointParams.Nodes(false, false, false, Duration.ofSeconds(2)));
        assertThat(EndpointParams.Nodes.parse("ver=2&nonvoters&pretty&timeout=5s"))
                .isEqualTo(new EndpointParams.Nodes(true, true, true, Duration.ofSeconds(5)));
        assertThat(EndpointParams.Nodes.parse("ver=1").version2()).isFalse();
        assertThat(EndpointParams.Readyz.parse("noleader").noLeader()).isTrue();
        assertThat(EndpointParams.Readyz.parse("noleader=false").noLeader()).isFalse();
        assertThat(EndpointParams.Timed.parse("pretty", Duration.ofMinutes(5)))
                .isEqualTo(new EndpointParams.Timed(true, Duration.ofMinutes(5)));
        assertThat(EndpointParams.Pretty.parse("pretty=true").pretty()).isTrue();
    }

    @Test
    void parametersAnEndpointDoesNotUseAreIgnoredUncheckedButItsOwnAreChecked() {
        assertThat(EndpointParams.Pretty.parse("activeHostIndex=0&timeout=abc&level=bogus").pretty()).isFalse();
        assertThat(EndpointParams.Execute.parse("level=bogus&q=x&freshness=abc&fmt=csv"))
                .isEqualTo(EndpointParams.Execute.parse(null));
        assertThat(EndpointParams.Unified.parse("q=%27x%27&queue=maybe")).isEqualTo(EndpointParams.Unified.parse(""));
        assertBadRequest(() -> EndpointParams.Readyz.parse("noleader=1"),
                "invalid value '1' for noleader: use true or false, or give noleader without a value");
        assertBadRequest(() -> EndpointParams.Query.parse("q=1&q=2"), "query parameter q is given more than once");
    }
}
