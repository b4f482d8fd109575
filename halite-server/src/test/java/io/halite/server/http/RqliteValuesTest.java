package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.core.sql.StatementResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values of date and boolean columns, rendered as rqlite answers them (mattn/go-sqlite3's conversion, then Go's
 * RFC 3339). Each expected value is what rqlite produces for that stored value, worked out from Go's time
 * parsing and formatting rules (docs/design.md lists them).
 */
class RqliteValuesTest {
    private static final String ZERO = "0001-01-01T00:00:00Z";

    @ParameterizedTest(name = "text ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // SQLite's own forms: datetime(), date(), strftime with %f, ISO 8601 with T and Z
            "2024-03-05 14:30:00             | 2024-03-05T14:30:00Z",
            "2024-03-05T14:30:00             | 2024-03-05T14:30:00Z",
            "2024-03-05                      | 2024-03-05T00:00:00Z",
            "2024-03-05 14:30                | 2024-03-05T14:30:00Z",
            "2024-03-05T14:30                | 2024-03-05T14:30:00Z",
            "2024-03-05T14:30:00.123Z        | 2024-03-05T14:30:00.123Z",
            "2024-03-05T14:30:00Z            | 2024-03-05T14:30:00Z",
            "2024-03-05Z                     | 2024-03-05T00:00:00Z",
            "2024-03-05 14:30Z               | 2024-03-05T14:30:00Z",
            // fractional seconds: trailing zeros dropped, at most nine digits kept, a comma taken like a point
            "2024-03-05 14:30:00.123         | 2024-03-05T14:30:00.123Z",
            "2024-03-05 14:30:00.120000      | 2024-03-05T14:30:00.12Z",
            "2024-03-05 14:30:00.000         | 2024-03-05T14:30:00Z",
            "2024-03-05 14:30:00.1234567891234 | 2024-03-05T14:30:00.123456789Z",
            "2024-03-05 14:30:00,5           | 2024-03-05T14:30:00.5Z",
            // time zones: kept as written, zero offset shown as Z
            "2024-03-05 14:30:00+02:00       | 2024-03-05T14:30:00+02:00",
            "2024-03-05T14:30:00.5-07:30     | 2024-03-05T14:30:00.5-07:30",
            "2024-03-05 14:30:00+00:00       | 2024-03-05T14:30:00Z",
            "2024-03-05 14:30:00-00:00       | 2024-03-05T14:30:00Z",
            "2024-03-05 14:30:00+01:60       | 2024-03-05T14:30:00+02:00",
            // one-digit hours parse (Go's hour field), leap days are checked
            "2024-03-05 4:30:00              | 2024-03-05T04:30:00Z",
            "2024-02-29                      | 2024-02-29T00:00:00Z",
            "0000-01-01                      | 0000-01-01T00:00:00Z",
            // anything else is Go's zero time
            "2023-02-29                      | " + ZERO,
            "2024-02-30                      | " + ZERO,
            "2024-13-01                      | " + ZERO,
            "2024-03-05 24:00:00             | " + ZERO,
            "2024-03-05 14:30:60             | " + ZERO,
            "2024-03-05 14:60                | " + ZERO,
            "2024-03-05 14:30+02:00          | " + ZERO,
            "2024-03-05 14:30:00 +02:00      | " + ZERO,
            "2024-03-05 14:30:00+25:00       | " + ZERO,
            "2024-03-05 14:30:00+0200        | " + ZERO,
            "2024-03-05 14:30:00ZZ           | " + ZERO,
            "2024-3-5                        | " + ZERO,
            "24-03-05                        | " + ZERO,
            "1709649000                      | " + ZERO,
            "2460375.5                       | " + ZERO,
            "yesterday                       | " + ZERO,
            "\"\"                            | " + ZERO,
    })
    void textInADateColumnIsParsedWithTheDriversFormats(String stored, String rendered) {
        for (String type : List.of("date", "datetime", "timestamp")) {
            assertThat(RqliteValues.render(stored, type)).as(type).isEqualTo(rendered);
        }
    }

    @ParameterizedTest(name = "integer {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0                 | 1970-01-01T00:00:00Z",
            "1709649000        | 2024-03-05T14:30:00Z",
            "-1                | 1969-12-31T23:59:59Z",
            "253402300799      | 9999-12-31T23:59:59Z",
            "-62135596800      | 0001-01-01T00:00:00Z",
            "-62167219200      | 0000-01-01T00:00:00Z",
            // beyond 10^12 in magnitude an integer is taken for milliseconds
            "1709649000123     | 2024-03-05T14:30:00.123Z",
            "1000000000001     | 2001-09-09T01:46:40.001Z",
            "-1000000000001    | 1938-04-24T22:13:19.999Z",
            "9223372036854     | 2262-04-11T23:47:16.854Z",
            // Go converts milliseconds to nanoseconds in 64 bits, which wraps past 2262
            "9999999999999     | 1702-05-02T18:12:06.289448384Z",
            "-9999999999999    | 2237-09-01T05:47:53.710551616Z",
    })
    void integerInADateColumnIsUnixSecondsOrMilliseconds(long stored, String rendered) {
        assertThat(RqliteValues.render(stored, "timestamp")).isEqualTo(rendered);
    }

    @Test
    void timesRfc3339CannotExpressFailTheStatementAsInRqlite() {
        for (Object stored : List.of(1_000_000_000_000L, 253402300800L, -62167219201L, -1_000_000_000_000L,
                "2024-03-05 14:30:00+24:00")) {
            assertThatThrownBy(() -> RqliteValues.render(stored, "datetime")).as("%s", stored)
                    .isInstanceOf(RqliteValues.UnrenderableTime.class);
        }
        StatementResult rendered = RqliteValues.render(rows("datetime", 1_000_000_000_000L));
        assertThat(rendered).isEqualTo(StatementResult.Failed.refused(
                "cannot render a time value as RFC 3339: year outside of range [0,9999]", 0.5));
    }

    @Test
    void realsNullsAndBlobsPassUnchangedAndOtherColumnsAreNotTouched() {
        byte[] blob = {1, 2};
        assertThat(RqliteValues.render(1709649000.5, "datetime")).isEqualTo(1709649000.5);
        assertThat(RqliteValues.render(null, "datetime")).isNull();
        assertThat(RqliteValues.render(blob, "date")).isSameAs(blob);
        assertThat(RqliteValues.render("2024-03-05 14:30:00", "text")).isEqualTo("2024-03-05 14:30:00");
        assertThat(RqliteValues.render("2024-03-05 14:30:00", "datetime(3)")).as("only the exact type names count")
                .isEqualTo("2024-03-05 14:30:00");
        assertThat(RqliteValues.render(1709649000L, "integer")).isEqualTo(1709649000L);
        assertThat(RqliteValues.render("2024-03-05", "")).isEqualTo("2024-03-05");
    }

    @Test
    void integersInABooleanColumnAreTrueWhenPositive() {
        assertThat(RqliteValues.render(1L, "boolean")).isEqualTo(true);
        assertThat(RqliteValues.render(2L, "boolean")).isEqualTo(true);
        assertThat(RqliteValues.render(0L, "boolean")).isEqualTo(false);
        assertThat(RqliteValues.render(-1L, "boolean")).isEqualTo(false);
        assertThat(RqliteValues.render("yes", "boolean")).isEqualTo("yes");
        assertThat(RqliteValues.render(1.0, "boolean")).isEqualTo(1.0);
        assertThat(RqliteValues.render(null, "boolean")).isNull();
    }

    @Test
    void rowsWithoutDateOrBooleanColumnsAreReturnedAsThey() {
        StatementResult.Rows plain = rows("integer", 5L);
        assertThat(RqliteValues.render(plain)).isSameAs(plain);
    }

    private static StatementResult.Rows rows(String type, Object value) {
        List<Object[]> values = new ArrayList<>();
        values.add(new Object[] {value});
        return new StatementResult.Rows(List.of("c"), List.of(type), values, 0, 0, false, 0.5);
    }
}
