package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parsing a raw query string: strict decoding, flags, repeats, and the exact messages of what is refused. */
class QueryParamsTest {
    private static final Set<String> ALLOWED = Set.of("pretty", "timings", "q", "level");

    private static QueryParams parse(String rawQuery) {
        return QueryParams.parse(rawQuery, ALLOWED);
    }

    private static void assertRefused(String rawQuery, String message) {
        assertThatThrownBy(() -> parse(rawQuery))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage(message);
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
}
