package io.halite.server.http;

import io.halite.core.sql.StatementResult;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values as rqlite answers them. rqlite reads rows through the Go driver mattn/go-sqlite3, which turns values of
 * columns declared {@code DATE}, {@code DATETIME} or {@code TIMESTAMP} into times and integers of columns declared
 * {@code BOOLEAN} into booleans; rqlite then writes a time as RFC 3339. Clients of rqlite parse exactly that, so
 * Halite renders the same (docs/design.md, "Values as rqlite renders them", has the rules with examples).
 */
final class RqliteValues {
    /**
     * The text forms the driver tries, in its order ({@code SQLiteTimestampFormats}), folded into one pattern: Go's
     * parser takes one or two digits for the hour, a fraction of any length after the seconds (with {@code .} or
     * {@code ,}), and a zone only after the seconds.
     */
    private static final Pattern TEXT_TIME = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?(?:([+-])(\\d{2}):(\\d{2}))?)?)?");
    /** Go's zero time, which the driver gives for text it cannot parse. */
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    /** The driver takes an integer beyond this magnitude for milliseconds, anything else for seconds. */
    private static final long MILLIS_THRESHOLD = 1_000_000_000_000L;

    private RqliteValues() {}

    /**
     * The rows as rqlite would answer them; the same object if no column is a date or boolean column. A time that
     * RFC 3339 cannot express (a year outside 0-9999) fails the statement, as it does in rqlite.
     */
    static StatementResult render(StatementResult.Rows rows) {
        List<String> types = rows.types();
        boolean any = false;
        for (String type : types) {
            any |= isTimeType(type) || type.equals("boolean");
        }
        if (!any || rows.values().isEmpty()) {
            return rows;
        }
        List<Object[]> rendered = new ArrayList<>(rows.values().size());
        try {
            for (Object[] row : rows.values()) {
                Object[] copy = row.clone();
                for (int i = 0; i < copy.length; i++) {
                    copy[i] = render(copy[i], types.get(i));
                }
                rendered.add(copy);
            }
        } catch (UnrenderableTime e) {
            return StatementResult.Failed.refused(e.getMessage(), rows.seconds());
        }
        return new StatementResult.Rows(rows.columns(), types, rendered, rows.lastInsertId(), rows.rowsAffected(),
                rows.wrote(), rows.seconds());
    }

    /** One value of a column whose declared type (lower-cased) is {@code declaredType}. */
    static Object render(Object value, String declaredType) {
        if (isTimeType(declaredType)) {
            if (value instanceof Long v) {
                return rfc3339(integerTime(v), 0);
            }
            if (value instanceof String v) {
                return textTime(v);
            }
        } else if (declaredType.equals("boolean") && value instanceof Long v) {
            return v > 0;
        }
        return value; // reals, blobs and NULL pass unchanged in every column, text in other columns
    }

    /** The driver's exact, case-insensitive match on the whole declared type: {@code DATETIME(3)} is not one. */
    private static boolean isTimeType(String declaredType) {
        return declaredType.equals("date") || declaredType.equals("datetime") || declaredType.equals("timestamp");
    }

    private static Instant integerTime(long v) {
        if (v > MILLIS_THRESHOLD || v < -MILLIS_THRESHOLD) {
            // Go multiplies into nanoseconds in 64 bits and wraps beyond about year 2262; Java's long wraps alike.
            long nanos = v * 1_000_000L;
            return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        }
        return Instant.ofEpochSecond(v);
    }

    private static String textTime(String text) {
        String s = text.endsWith("Z") ? text.substring(0, text.length() - 1) : text;
        Matcher m = TEXT_TIME.matcher(s);
        if (!m.matches()) {
            return ZERO_TIME;
        }
        int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
        int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        int nanos = m.group(7) == null ? 0 : nanos(m.group(7));
        int offsetSeconds = 0;
        if (m.group(8) != null) {
            int offsetHours = Integer.parseInt(m.group(9));
            int offsetMinutes = Integer.parseInt(m.group(10));
            if (offsetHours > 24 || offsetMinutes > 60) {
                return ZERO_TIME; // Go's range check (it allows 24 and 60)
            }
            offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60 * (m.group(8).equals("-") ? -1 : 1);
        }
        LocalDateTime local;
        try {
            // java.time refuses the same out-of-range fields as Go: month 13, 30 February, hour 24, second 60
            local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), hour, minute, second, nanos);
        } catch (java.time.DateTimeException e) {
            return ZERO_TIME;
        }
        // The time keeps the zone it was written with; RFC 3339 shows it in that zone, so the wall clock is the text's.
        return rfc3339(local.toInstant(ZoneOffset.UTC).minusSeconds(offsetSeconds), offsetSeconds);
    }

    /** Go's parseNanoseconds: the first nine digits of the fraction count, the rest are dropped. */
    private static int nanos(String digits) {
        return Integer.parseInt((digits + "00000000").substring(0, 9));
    }

    /**
     * Go's {@code time.Time.MarshalText}: RFC 3339 with nanoseconds, trailing zeros of the fraction dropped, {@code Z}
     * for offset zero; it fails for a year outside 0-9999 or a zone of 24 hours or more.
     */
    static String rfc3339(Instant instant, int offsetSeconds) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(),
                ZoneOffset.UTC).plusSeconds(offsetSeconds);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            throw new UnrenderableTime("year outside of range [0,9999]");
        }
        StringBuilder b = new StringBuilder(35);
        pad(b, t.getYear(), 4).append('-');
        pad(b, t.getMonthValue(), 2).append('-');
        pad(b, t.getDayOfMonth(), 2).append('T');
        pad(b, t.getHour(), 2).append(':');
        pad(b, t.getMinute(), 2).append(':');
        pad(b, t.getSecond(), 2);
        if (t.getNano() != 0) {
            StringBuilder fraction = new StringBuilder();
            pad(fraction, t.getNano(), 9);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            b.append('.').append(fraction, 0, end);
        }
        if (offsetSeconds == 0) {
            return b.append('Z').toString();
        }
        int minutes = Math.abs(offsetSeconds) / 60;
        if (minutes / 60 >= 24) {
            throw new UnrenderableTime("timezone hour outside of range [0,23]");
        }
        b.append(offsetSeconds < 0 ? '-' : '+');
        pad(b, minutes / 60, 2).append(':');
        return pad(b, minutes % 60, 2).toString();
    }

    private static StringBuilder pad(StringBuilder b, int value, int width) {
        String digits = Integer.toString(value);
        b.append("0".repeat(Math.max(0, width - digits.length()))).append(digits);
        return b;
    }

    /** A time RFC 3339 cannot express; rqlite fails the statement with Go's reason. */
    static final class UnrenderableTime extends RuntimeException {
        UnrenderableTime(String reason) {
            super("cannot render a time value as RFC 3339: " + reason);
        }
    }
}
