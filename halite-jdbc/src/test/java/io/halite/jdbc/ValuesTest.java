package io.halite.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ValuesTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    @Test
    void javaValuesToWire() throws SQLException {
        assertThat(Values.toWire(null)).isNull();
        assertThat(Values.toWire(7)).isEqualTo(7L);
        assertThat(Values.toWire((short) -3)).isEqualTo(-3L);
        assertThat(Values.toWire((byte) 5)).isEqualTo(5L);
        assertThat(Values.toWire(1.5f)).isEqualTo(1.5d);
        assertThat(Values.toWire(true)).isEqualTo(1L);
        assertThat(Values.toWire(false)).isEqualTo(0L);
        assertThat(Values.toWire('x')).isEqualTo("x");
        assertThat(Values.toWire(UUID.fromString("123e4567-e89b-12d3-a456-426614174000")))
                .isEqualTo("123e4567-e89b-12d3-a456-426614174000");
        assertThat(Values.toWire(new byte[] {1, 2})).isEqualTo(new byte[] {1, 2});
        assertThat(Values.toWire(BigInteger.TEN)).isEqualTo(10L);
        assertThatThrownBy(() -> Values.toWire(new Object())).isInstanceOf(SQLDataException.class);
    }

    @Test
    void decimalsKeepEveryDigit() {
        assertThat(Values.decimal(new BigDecimal("42.000"))).isEqualTo(42L);
        assertThat(Values.decimal(new BigDecimal("1E+3"))).isEqualTo(1000L);
        assertThat(Values.decimal(new BigDecimal("0.5"))).isEqualTo(0.5d);
        assertThat(Values.decimal(new BigDecimal("0.1"))).isEqualTo("0.1"); // no double is exactly 0.1
        assertThat(Values.decimal(new BigDecimal("123456789012345678901234567890")))
                .isEqualTo("123456789012345678901234567890");
        assertThat(Values.decimal(new BigDecimal("-9223372036854775808"))).isEqualTo(-9223372036854775808.0d);
    }

    @Test
    void dateTimesAsSqliteText() throws SQLException {
        assertThat(Values.toWire(LocalDate.of(2024, 2, 29))).isEqualTo("2024-02-29");
        assertThat(Values.toWire(LocalTime.of(7, 8, 9))).isEqualTo("07:08:09");
        assertThat(Values.toWire(LocalTime.of(7, 8, 9, 120_000_000))).isEqualTo("07:08:09.120");
        assertThat(Values.toWire(LocalTime.of(7, 8, 9, 123_456_000))).isEqualTo("07:08:09.123456");
        assertThat(Values.toWire(LocalTime.of(7, 8, 9, 123_456_789))).isEqualTo("07:08:09.123456789");
        assertThat(Values.toWire(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 6_000_000))).isEqualTo("2024-01-02 03:04:05.006");
        assertThat(Values.toWire(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2))))
                .isEqualTo("2024-01-02 03:04:05+02:00");
        assertThat(Values.toWire(Instant.parse("2024-01-02T03:04:05.500Z"))).isEqualTo("2024-01-02 03:04:05.500Z");
        assertThat(Values.toWire(Timestamp.valueOf("2024-01-02 03:04:05.25"))).isEqualTo("2024-01-02 03:04:05.250");
        assertThat(Values.toWire(java.sql.Date.valueOf("2024-01-02"))).isEqualTo("2024-01-02");
        assertThat(Values.toWire(java.sql.Time.valueOf("10:11:12"))).isEqualTo("10:11:12");
    }

    @Test
    void readsDateTimeText() throws SQLException {
        assertThat(Values.toLocalDateTime("2024-01-02 03:04:05.006", PARIS))
                .isEqualTo(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 6_000_000));
        assertThat(Values.toLocalDateTime("2024-01-02T03:04", PARIS)).isEqualTo(LocalDateTime.of(2024, 1, 2, 3, 4));
        assertThat(Values.toLocalDateTime("2024-01-02", PARIS)).isEqualTo(LocalDateTime.of(2024, 1, 2, 0, 0));
        assertThat(Values.toLocalDate("2024-01-02 03:04:05", PARIS)).isEqualTo(LocalDate.of(2024, 1, 2));
        assertThat(Values.toLocalTime("03:04:05.5", PARIS)).isEqualTo(LocalTime.of(3, 4, 5, 500_000_000));
        assertThat(Values.toLocalTime("2024-01-02 03:04:05", PARIS)).isEqualTo(LocalTime.of(3, 4, 5));
        assertThat(Values.toInstant("2024-01-02 03:04:05+02:00", PARIS)).isEqualTo(Instant.parse("2024-01-02T01:04:05Z"));
        assertThat(Values.toInstant("2024-01-02 03:04:05Z", PARIS)).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
        assertThat(Values.toInstant("2024-01-02 03:04:05", PARIS)).isEqualTo(Instant.parse("2024-01-02T02:04:05Z"));
        assertThat(Values.toOffsetDateTime("2024-01-02 03:04:05"))
                .isEqualTo(OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC));
        assertThat(Values.toInstant(1_700_000_000_123L, PARIS)).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
        assertThat(Values.toSqlTime("10:11:12.345", PARIS).getTime() % 1000).isEqualTo(345);
        assertThatThrownBy(() -> Values.toLocalDate("yesterday", PARIS)).isInstanceOf(SQLDataException.class)
                .hasMessage("cannot convert TEXT 'yesterday' to a date or time");
        assertThatThrownBy(() -> Values.toLocalDate("2024-02-30", PARIS)).isInstanceOf(SQLDataException.class);
        assertThatThrownBy(() -> Values.toLocalTime("2024-01-02", PARIS)).isInstanceOf(SQLDataException.class);
        assertThatThrownBy(() -> Values.toLocalDate(1.5, PARIS)).isInstanceOf(SQLDataException.class)
                .hasMessage("cannot convert REAL '1.5' to a date or time");
    }

    @Test
    void numbersFromEveryStorageClass() throws SQLException {
        assertThat(Values.toLong(3.9)).isEqualTo(3L);
        assertThat(Values.toLong(" 12 ")).isEqualTo(12L);
        assertThat(Values.toLong("1e3")).isEqualTo(1000L);
        assertThat(Values.toLong(null)).isZero();
        assertThat(Values.toDouble(5L)).isEqualTo(5.0);
        assertThat(Values.toDouble("2.5")).isEqualTo(2.5);
        assertThat(Values.toBigDecimal(0.1)).isEqualTo(new BigDecimal("0.1"));
        assertThat(Values.toBoolean("TRUE")).isTrue();
        assertThat(Values.toBoolean(0L)).isFalse();
        assertThat(Values.toBoolean("2")).isTrue();
        assertThatThrownBy(() -> Values.toInt(1L << 40)).isInstanceOf(SQLDataException.class)
                .hasMessage("1099511627776 does not fit in an int");
        assertThatThrownBy(() -> Values.toLong("abc")).isInstanceOf(SQLDataException.class)
                .hasMessage("cannot convert TEXT 'abc' to a number");
        assertThatThrownBy(() -> Values.toDouble(new byte[] {1})).isInstanceOf(SQLDataException.class)
                .hasMessage("cannot convert BLOB 1 bytes to a number");
    }

    @Test
    void textAndObjects() {
        assertThat(Values.text(new byte[] {'h', 'i'})).isEqualTo("hi");
        assertThat(Values.text(1.5)).isEqualTo("1.5");
        assertThat(Values.toBytes("é")).isEqualTo("é".getBytes(StandardCharsets.UTF_8));
        assertThat(Values.toObject(5L)).isEqualTo(5);
        assertThat(Values.toObject(1L << 40)).isEqualTo(1L << 40);
        assertThat(Values.toObject(Long.valueOf(Integer.MIN_VALUE))).isEqualTo(Integer.MIN_VALUE);
    }

    @Test
    void coercionToTargetTypes() throws SQLException {
        assertThat(Values.coerce(5L, Types.VARCHAR)).isEqualTo("5");
        assertThat(Values.coerce("7", Types.INTEGER)).isEqualTo(7L);
        assertThat(Values.coerce(7L, Types.DOUBLE)).isEqualTo(7.0);
        assertThat(Values.coerce("true", Types.BOOLEAN)).isEqualTo(1L);
        assertThat(Values.coerce("ab", Types.BLOB)).isEqualTo(new byte[] {'a', 'b'});
        assertThat(Values.coerce("2.50", Types.DECIMAL)).isEqualTo(2.5);
        assertThat(Values.coerce("x", Types.OTHER)).isEqualTo("x");
        assertThat(Values.coerce(null, Types.INTEGER)).isNull();
    }
}
