package io.halite.server.http;

import static io.halite.server.http.BadRequest.assertBadRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.halite.core.node.ReadLevel;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parsing a raw query string: strict decoding, flags, repeats, and the exact messages of what is refused. */
class QueryParamsTest {
    private static final Set<String> ALLOWED = Set.of("pretty", "timings", "q", "level", "timeout", "min_index");

    private static QueryParams parse(String rawQuery) {
        return QueryParams.parse(rawQuery, ALLOWED);
    }

    private static void assertRefused(String rawQuery, String message) {
        assertBadRequest(() -> parse(rawQuery), message);
    }

    @Test
    void valuesArePercentAndPlusDecodedAsUtf8() {
        QueryParams params = parse("q=SELECT+%27%C3%A9%27%2B1&level=none");
        assertThat(params.string("q")).isEqualTo("SELECT 'é'+1");
        assertThat(params.string("level")).isEqualTo("none");
        assertThat(params.string("pretty")).isNull();
    }

    @Test
    void namesArePercentDecodedAndEmptyPairsAreSkipped() {
        QueryParams params = parse("&&%74imings&");
        assertThat(params.has("timings")).isTrue();
        assertThat(params.string("timings")).isEmpty();
    }

    @Test
    void noQueryStringMeansNoParameters() {
        assertThat(parse(null).has("pretty")).isFalse();
        assertThat(parse("").has("pretty")).isFalse();
    }

    @Test
    void flagsAreSetByPresenceOrByTrueAndClearedByFalse() {
        assertThat(parse("pretty").flag("pretty")).isTrue();
        assertThat(parse("pretty=").flag("pretty")).isTrue();
        assertThat(parse("pretty=true").flag("pretty")).isTrue();
        assertThat(parse("pretty=false").flag("pretty")).isFalse();
        assertThat(parse("timings").flag("pretty")).isFalse();
    }

    @Test
    void aValueThatIsNotAFlagIsNotCheckedAsOne() {
        assertThat(parse("level=yes").string("level")).isEqualTo("yes");
    }

    @Test
    void aFlagWithAnyOtherValueIsRefusedNamingIt() {
        for (String value : new String[] {"yes", "1", "0", "on", "TRUE", "False", "maybe"}) {
            assertRefused("timings=" + value, "invalid value '" + value
                    + "' for timings: use true or false, or give timings without a value");
        }
    }

    @Test
    void aParameterGivenTwiceIsRefusedNamingIt() {
        assertRefused("timings&timings", "query parameter timings is given more than once");
        assertRefused("level=none&pretty&level=none", "query parameter level is given more than once");
        assertRefused("pretty=true&pretty=false", "query parameter pretty is given more than once");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNamingTheParameter() {
        assertRefused("timings=%ff", "query parameter timings is not valid UTF-8 once percent-decoded");
        assertRefused("q=%ff%fe", "query parameter q is not valid UTF-8 once percent-decoded");
        assertRefused("q=%C3", "query parameter q is not valid UTF-8 once percent-decoded");
        assertRefused("%ff", "a query parameter name is not valid UTF-8 once percent-decoded");
    }

    @Test
    void malformedPercentEscapesAreRefusedNamingTheParameter() {
        String expected = "query parameter q has a malformed percent-escape: '%' must be followed by two "
                + "hexadecimal digits";
        assertRefused("q=%zz", expected);
        assertRefused("q=%", expected);
        assertRefused("q=%f", expected);
        assertRefused("q=100%", expected);
        assertRefused("q=%\u0663\u0663", expected);
    }

    @Test
    void namesTheEndpointDoesNotUseAreIgnoredEvenRepeatedButMustStillBeValidUtf8() {
        QueryParams params = parse("activeHostIndex=0&q=x&bogus&bogus=2&q%5BuseLeader%5D=true");
        assertThat(params.string("q")).isEqualTo("x");
        assertThat(params.has("bogus")).isFalse();
        assertThat(params.has("activeHostIndex")).isFalse();
        assertRefused("bogus=%ff", "query parameter bogus is not valid UTF-8 once percent-decoded");
    }

    @Test
    void durationsUseGoSyntaxAndFallBackWhenNotGiven() {
        assertThat(parse("timeout=1m30s").duration("timeout", null)).isEqualTo(Duration.ofSeconds(90));
        assertThat(parse("timeout=500ms").duration("timeout", null)).isEqualTo(Duration.ofMillis(500));
        assertThat(parse("timeout=0").duration("timeout", null)).isEqualTo(Duration.ZERO);
        assertThat(parse("timeout=1.5h").duration("timeout", null)).isEqualTo(Duration.ofMinutes(90));
        assertThat(parse("pretty").duration("timeout", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aDurationThatIsNotOneIsRefusedWithExamples() {
        for (String value : new String[] {"abc", "5", "-1s", "1s-", "", "1 s", "s", "1.s", "1d", "+2s"}) {
            String raw = "timeout=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
            assertBadRequest(() -> parse(raw).duration("timeout", null),
                    "timeout is not a valid duration: '" + value + "' (examples: 500ms, 2s, 1m)");
        }
    }

    @Test
    void aNonNegativeIntegerIsRefusedIfNegativeOrNotAnInteger() {
        assertThat(parse("min_index=42").nonNegativeLong("min_index", 0)).isEqualTo(42);
        assertThat(parse("min_index=0").nonNegativeLong("min_index", 5)).isZero();
        assertThat(parse("").nonNegativeLong("min_index", 5)).isEqualTo(5);
        for (String value : new String[] {"-1", "abc", "1.5", "", "99999999999999999999", "0x10"}) {
            assertBadRequest(() -> parse("min_index=" + value).nonNegativeLong("min_index", 0),
                    "min_index must be a non-negative integer, not '" + value + "'");
        }
    }

    @Test
    void theReadLevelIsWeakUnlessNamedAndAnUnknownOneIsRefused() {
        assertThat(parse("").level()).isEqualTo(ReadLevel.WEAK);
        assertThat(parse("level=none").level()).isEqualTo(ReadLevel.NONE);
        assertThat(parse("level=linearizable").level()).isEqualTo(ReadLevel.LINEARIZABLE);
        assertThat(parse("level=strong").level()).isEqualTo(ReadLevel.STRONG);
        for (String value : new String[] {"bogus", "", "eventual"}) {
            assertBadRequest(() -> parse("level=" + value).level(),
                    "invalid level '" + value + "': use none, weak, linearizable or strong");
        }
    }
}
