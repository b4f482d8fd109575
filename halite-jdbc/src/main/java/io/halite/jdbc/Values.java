package io.halite.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.UUID;

/**
 * Conversions between Java values and the wire values (null, Long, Double, String, byte[]).
 *
 * <p>Dates and times are stored as text that SQLite's date functions read: {@code yyyy-MM-dd},
 * {@code HH:mm:ss[.fraction]}, {@code yyyy-MM-dd HH:mm:ss[.fraction]}, with a zone offset ({@code +02:00} or
 * {@code Z}) appended for values that carry one. The fraction is written only when not zero, with 3, 6 or 9 digits
 * as needed, so nothing is lost. {@link Instant}s are written in UTC with {@code Z}. {@link java.sql.Date},
 * {@link java.sql.Time} and {@link Timestamp} are written as their local wall-clock value (in the JVM's zone, or
 * the given {@link java.util.Calendar}'s), without an offset.
 *
 * <p>Reading, text in those forms is accepted, with {@code T} or a space between date and time and seconds
 * optional; text without an offset is local time for java.sql types and UTC for {@link Instant} and
 * {@link OffsetDateTime}. An INTEGER is read as Unix epoch milliseconds (sqlite-jdbc's default storage).
 */
final class Values {
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd().optionalEnd()
            .toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter TEMPORAL = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral(' ').append(TIME).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter TIME_WITH_OFFSET = new DateTimeFormatterBuilder()
            .append(TIME).optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);

    private Values() {}

    // ------------------------------------------------------------------ Java -> wire

    /** A Java value as a wire value; the types setObject accepts. */
    static Object toWire(Object x) throws SQLException {
        if (x == null || x instanceof Long || x instanceof Double || x instanceof String) {
            return x;
        }
        if (x instanceof Integer || x instanceof Short || x instanceof Byte || x instanceof java.util.concurrent.atomic.AtomicInteger
                || x instanceof java.util.concurrent.atomic.AtomicLong) {
            return ((Number) x).longValue();
        }
        if (x instanceof Float f) {
            return (double) f;
        }
        if (x instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (x instanceof BigDecimal d) {
            return decimal(d);
        }
        if (x instanceof BigInteger i) {
            return decimal(new BigDecimal(i));
        }
        if (x instanceof byte[] b) {
            return b.clone();
        }
        if (x instanceof Character c) {
            return c.toString();
        }
        if (x instanceof UUID u) {
            return u.toString();
        }
        if (x instanceof Timestamp t) {
            return dateTime(t.toLocalDateTime());
        }
        if (x instanceof java.sql.Date d) {
            return d.toLocalDate().toString();
        }
        if (x instanceof java.sql.Time t) {
            return time(t.toLocalTime().withNano((int) Math.floorMod(t.getTime(), 1000L) * 1_000_000));
        }
        if (x instanceof java.util.Date d) {
            return dateTime(LocalDateTime.ofInstant(d.toInstant(), ZoneId.systemDefault()));
        }
        if (x instanceof LocalDate d) {
            return d.toString();
        }
        if (x instanceof LocalTime t) {
            return time(t);
        }
        if (x instanceof LocalDateTime t) {
            return dateTime(t);
        }
        if (x instanceof OffsetDateTime t) {
            return dateTime(t.toLocalDateTime()) + offset(t.getOffset());
        }
        if (x instanceof ZonedDateTime t) {
            return dateTime(t.toLocalDateTime()) + offset(t.getOffset());
        }
        if (x instanceof OffsetTime t) {
            return time(t.toLocalTime()) + offset(t.getOffset());
        }
        if (x instanceof Instant t) {
            return dateTime(LocalDateTime.ofInstant(t, ZoneOffset.UTC)) + "Z";
        }
        if (x instanceof Blob b) {
            return b.getBytes(1, Math.toIntExact(b.length()));
        }
        if (x instanceof Clob c) {
            return c.getSubString(1, Math.toIntExact(c.length()));
        }
        throw new SQLDataException("cannot bind a " + x.getClass().getName() + ": use a number, String, byte[], "
                + "Boolean, UUID or a java.time / java.sql date-time type", "22023");
    }

    /**
     * A decimal as an INTEGER if it is a whole number that fits a long, as a REAL if a double holds it exactly,
     * and otherwise as TEXT so that no digit is lost (SQLite's NUMERIC affinity may still convert it).
     */
    static Object decimal(BigDecimal d) {
        BigDecimal stripped = d.stripTrailingZeros();
        if (stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 18) {
            return stripped.longValueExact();
        }
        double asDouble = d.doubleValue();
        if (Double.isFinite(asDouble) && new BigDecimal(asDouble).compareTo(d) == 0) {
            return asDouble;
        }
        return d.toPlainString();
    }

    /** A wire value coerced to what a {@link Types} code asks for (setObject with a target type). */
    static Object coerce(Object wire, int sqlType) throws SQLException {
        if (wire == null) {
            return null;
        }
        return switch (sqlType) {
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
                 Types.CLOB, Types.NCLOB -> text(wire);
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> toLong(wire);
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> toDouble(wire);
            case Types.DECIMAL, Types.NUMERIC -> decimal(toBigDecimal(wire));
            case Types.BOOLEAN, Types.BIT -> toBoolean(wire) ? 1L : 0L;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> toBytes(wire);
            case Types.NULL -> null;
            default -> wire;
        };
    }

    static String dateTime(LocalDateTime t) {
        return t.toLocalDate() + " " + time(t.toLocalTime());
    }

    static String time(LocalTime t) {
        String hms = String.format(Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        int nanos = t.getNano();
        if (nanos == 0) {
            return hms;
        }
        if (nanos % 1_000_000 == 0) {
            return hms + String.format(Locale.ROOT, ".%03d", nanos / 1_000_000);
        }
        if (nanos % 1_000 == 0) {
            return hms + String.format(Locale.ROOT, ".%06d", nanos / 1_000);
        }
        return hms + String.format(Locale.ROOT, ".%09d", nanos);
    }

    private static String offset(ZoneOffset offset) {
        return offset.getTotalSeconds() == 0 ? "Z" : offset.getId();
    }

    // ------------------------------------------------------------------ wire -> Java

    /** TEXT as SQLite renders each storage class; a blob as its bytes decoded as UTF-8. */
    static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return v.toString();
    }

    static long toLong(Object v) throws SQLException {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d) {
            return d.longValue(); // SQLite's CAST truncates toward zero, saturating, as Java does
        }
        if (v == null) {
            return 0;
        }
        String text = text(v).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            try {
                return new BigDecimal(text).longValue();
            } catch (NumberFormatException notNumber) {
                throw cannotConvert(v, "a number");
            }
        }
    }

    static int toInt(Object v) throws SQLException {
        return (int) inRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int");
    }

    static short toShort(Object v) throws SQLException {
        return (short) inRange(v, Short.MIN_VALUE, Short.MAX_VALUE, "a short");
    }

    static byte toByte(Object v) throws SQLException {
        return (byte) inRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE, "a byte");
    }

    private static long inRange(Object v, long min, long max, String what) throws SQLException {
        long l = toLong(v);
        if (l < min || l > max) {
            throw new SQLDataException(l + " does not fit in " + what, "22003");
        }
        return l;
    }

    static double toDouble(Object v) throws SQLException {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d) {
            return d;
        }
        if (v == null) {
            return 0;
        }
        try {
            return Double.parseDouble(text(v).trim());
        } catch (NumberFormatException e) {
            throw cannotConvert(v, "a number");
        }
    }

    static BigDecimal toBigDecimal(Object v) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (v instanceof Double d) {
            return BigDecimal.valueOf(d);
        }
        try {
            return new BigDecimal(text(v).trim());
        } catch (NumberFormatException e) {
            throw cannotConvert(v, "a decimal");
        }
    }

    /** Numbers are true when not zero; text may also be {@code true}/{@code false}. */
    static boolean toBoolean(Object v) throws SQLException {
        if (v == null) {
            return false;
        }
        if (v instanceof String s) {
            String t = s.trim();
            if (t.equalsIgnoreCase("true")) {
                return true;
            }
            if (t.equalsIgnoreCase("false")) {
                return false;
            }
        }
        return toDouble(v) != 0;
    }

    static byte[] toBytes(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return b.clone();
        }
        return text(v).getBytes(StandardCharsets.UTF_8);
    }

    /** What getObject(int) returns: INTEGER as Integer when it fits, else Long (as sqlite-jdbc does). */
    static Object toObject(Object v) {
        if (v instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        return v instanceof byte[] b ? b.clone() : v;
    }

    static LocalDate toLocalDate(Object v, ZoneId zone) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long millis) {
            return LocalDate.ofInstant(Instant.ofEpochMilli(millis), zone);
        }
        return LocalDate.from(temporal(v, TEMPORAL));
    }

    static LocalTime toLocalTime(Object v, ZoneId zone) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long millis) {
            return LocalTime.ofInstant(Instant.ofEpochMilli(millis), zone);
        }
        String text = text(v).trim();
        TemporalAccessor t = text.indexOf('-') == 4 ? temporal(v, TEMPORAL) : temporal(v, TIME_WITH_OFFSET);
        if (!t.isSupported(ChronoField.HOUR_OF_DAY)) {
            throw cannotConvert(v, "a time");
        }
        return LocalTime.from(t);
    }

    /** A date-time without zone: text as written (offset ignored), epoch millis in {@code zone}. */
    static LocalDateTime toLocalDateTime(Object v, ZoneId zone) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long millis) {
            return LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), zone);
        }
        TemporalAccessor t = temporal(v, TEMPORAL);
        LocalDate date = LocalDate.from(t);
        return t.isSupported(ChronoField.HOUR_OF_DAY) ? date.atTime(LocalTime.from(t)) : date.atStartOfDay();
    }

    /** An instant: text with an offset as written, text without one in {@code zoneForLocal}. */
    static Instant toInstant(Object v, ZoneId zoneForLocal) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long millis) {
            return Instant.ofEpochMilli(millis);
        }
        TemporalAccessor t = temporal(v, TEMPORAL);
        LocalDateTime local = toLocalDateTime(v, zoneForLocal);
        return t.isSupported(ChronoField.OFFSET_SECONDS)
                ? local.toInstant(ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS)))
                : local.atZone(zoneForLocal).toInstant();
    }

    static OffsetDateTime toOffsetDateTime(Object v) throws SQLException {
        if (v == null) {
            return null;
        }
        if (v instanceof Long millis) {
            return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
        }
        TemporalAccessor t = temporal(v, TEMPORAL);
        ZoneOffset offset = t.isSupported(ChronoField.OFFSET_SECONDS)
                ? ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS)) : ZoneOffset.UTC;
        return toLocalDateTime(v, ZoneOffset.UTC).atOffset(offset);
    }

    static Timestamp toTimestamp(Object v, ZoneId zone) throws SQLException {
        Instant instant = toInstant(v, zone);
        return instant == null ? null : Timestamp.from(instant);
    }

    static java.sql.Date toSqlDate(Object v, ZoneId zone) throws SQLException {
        LocalDate date = toLocalDate(v, zone);
        return date == null ? null : new java.sql.Date(date.atStartOfDay(zone).toInstant().toEpochMilli());
    }

    static java.sql.Time toSqlTime(Object v, ZoneId zone) throws SQLException {
        LocalTime time = toLocalTime(v, zone);
        // Time.valueOf(LocalTime) would drop the milliseconds.
        return time == null ? null
                : new java.sql.Time(LocalDate.EPOCH.atTime(time).atZone(zone).toInstant().toEpochMilli());
    }

    private static TemporalAccessor temporal(Object v, DateTimeFormatter format) throws SQLException {
        if (!(v instanceof String s)) {
            throw cannotConvert(v, "a date or time");
        }
        String text = s.trim();
        if (text.length() > 10 && text.charAt(10) == 'T') {
            text = text.substring(0, 10) + ' ' + text.substring(11);
        }
        try {
            return format.parse(text);
        } catch (DateTimeParseException e) {
            throw cannotConvert(v, "a date or time");
        }
    }

    /** The SQLite type name of a wire value, for messages. */
    private static String storageClass(Object v) {
        if (v instanceof Long) return "INTEGER";
        if (v instanceof Double) return "REAL";
        if (v instanceof byte[]) return "BLOB";
        return "TEXT";
    }

    private static SQLException cannotConvert(Object v, String what) {
        String shown = v instanceof byte[] b ? b.length + " bytes" : "'" + v + "'";
        return new SQLDataException("cannot convert " + storageClass(v) + " " + shown + " to " + what, "22018");
    }
}
