package io.halite.core.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.sqlite.Function;

/**
 * Replaces SQLite's sources of non-determinism on the writer connection with values derived from the log entry
 * being applied, so every replica computes the same bytes: {@code random()}, {@code randomblob()},
 * {@code CURRENT_TIMESTAMP/DATE/TIME} and {@code 'now'} in the date and time functions. SQLite looks these up by
 * name when it compiles a statement, so the overrides also apply inside DEFAULT expressions and triggers.
 *
 * <p>The date and time functions keep SQLite's own implementation: an override substitutes the pinned instant
 * for {@code 'now'} and evaluates the call on a private in-memory connection that has no overrides. The
 * {@code 'localtime'} and {@code 'utc'} modifiers depend on the node's time zone and are refused in writes.
 *
 * <p>Not thread-safe: used only by the thread that applies the log.
 */
final class DeterministicFunctions implements AutoCloseable {
    private static final DateTimeFormatter PINNED_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Connection plain;
    private final Map<String, PreparedStatement> plainCalls = new HashMap<>();
    private String pinnedNow;
    private Instant pinnedInstant = Instant.EPOCH;
    private long entrySeed;
    private SplittableRandom random = new SplittableRandom(0);

    DeterministicFunctions() throws SQLException {
        this.plain = DriverManager.getConnection("jdbc:sqlite::memory:");
        pin(0, 0);
    }

    /** Pins time and seed for the entry about to be applied. */
    void pin(long stampMillis, long seed) {
        this.pinnedInstant = Instant.ofEpochMilli(stampMillis);
        this.pinnedNow = PINNED_FORMAT.format(pinnedInstant);
        this.entrySeed = seed;
    }

    /**
     * Restarts the random stream for one statement. Deriving it from the statement's position (not from how many
     * numbers earlier statements drew) keeps results identical even if a replica evaluates fewer statements.
     */
    void beginStatement(int request, int statement) {
        long mixed = entrySeed ^ (0x9E3779B97F4A7C15L * (request + 1)) ^ (0xC2B2AE3D27D4EB4FL * (statement + 1));
        random = new SplittableRandom(mixed);
    }

    void register(Connection writer) throws SQLException {
        Function.create(writer, "random", new Function() {
            @Override
            protected void xFunc() throws SQLException {
                result(random.nextLong());
            }
        }, 0, 0);
        Function.create(writer, "randomblob", new Function() {
            @Override
            protected void xFunc() throws SQLException {
                long n = value_type(0) == 5 ? 1 : value_long(0); // SQLite treats NULL and n < 1 as 1
                byte[] bytes = new byte[(int) Math.max(1, Math.min(n, 1_000_000_000))];
                random.nextBytes(bytes);
                result(bytes);
            }
        }, 1, 0);
        for (String name : new String[] {"current_timestamp", "current_date", "current_time"}) {
            String format = switch (name) {
                case "current_date" -> "yyyy-MM-dd";
                case "current_time" -> "HH:mm:ss";
                default -> "yyyy-MM-dd HH:mm:ss";
            };
            DateTimeFormatter formatter = DateTimeFormatter.ofPattern(format, Locale.ROOT).withZone(ZoneOffset.UTC);
            Function.create(writer, name, new Function() {
                @Override
                protected void xFunc() throws SQLException {
                    result(formatter.format(pinnedInstant));
                }
            }, 0, Function.FLAG_DETERMINISTIC);
        }
        for (String name : new String[] {"date", "time", "datetime", "julianday", "unixepoch"}) {
            Function.create(writer, name, new PinnedDateFunction(name, 0, 0), -1, Function.FLAG_DETERMINISTIC);
        }
        Function.create(writer, "strftime", new PinnedDateFunction("strftime", 1, 1), -1, Function.FLAG_DETERMINISTIC);
        Function.create(writer, "timediff", new PinnedDateFunction("timediff", 0, 1), 2, Function.FLAG_DETERMINISTIC);
        Function.create(writer, "total_changes", new Function() {
            @Override
            protected void xFunc() throws SQLException {
                error("total_changes() counts this node's connection history, which differs between replicas; "
                        + "it cannot be used in writes");
            }
        }, 0, 0);
    }

    /**
     * A date/time function whose time-value arguments (positions {@code firstTime..lastTime}) may be 'now', and
     * which means 'now' when called with fewer arguments than {@code firstTime + 1}.
     */
    private final class PinnedDateFunction extends Function {
        private final String name;
        private final int firstTime;
        private final int lastTime;

        PinnedDateFunction(String name, int firstTime, int lastTime) {
            this.name = name;
            this.firstTime = firstTime;
            this.lastTime = lastTime;
        }

        @Override
        protected void xFunc() throws SQLException {
            int given = args();
            int count = Math.max(given, firstTime + 1);
            Object[] values = new Object[count];
            for (int i = 0; i < count; i++) {
                if (i >= given) {
                    values[i] = pinnedNow;
                    continue;
                }
                Object value = argument(i);
                if (value instanceof String s) {
                    String word = s.trim();
                    if (i >= firstTime && i <= lastTime && word.equalsIgnoreCase("now")) {
                        value = pinnedNow;
                    } else if (i > lastTime && (word.equalsIgnoreCase("localtime") || word.equalsIgnoreCase("utc"))) {
                        error("the '" + word + "' modifier depends on the node's time zone; it cannot be used in writes");
                        return;
                    }
                }
                values[i] = value;
            }
            PreparedStatement call = plainCalls.get(name + "/" + count);
            if (call == null) {
                call = plain.prepareStatement("SELECT " + name + "(" + "?,".repeat(count - 1) + "?)");
                plainCalls.put(name + "/" + count, call);
            }
            for (int i = 0; i < count; i++) {
                call.setObject(i + 1, values[i]);
            }
            try (ResultSet rs = call.executeQuery()) {
                rs.next();
                Object out = rs.getObject(1);
                if (out == null) {
                    result();
                } else if (out instanceof Integer || out instanceof Long) {
                    result(((Number) out).longValue());
                } else if (out instanceof Double d) {
                    result(d);
                } else {
                    result(out.toString());
                }
            }
        }

        private Object argument(int i) throws SQLException {
            return switch (value_type(i)) {
                case 1 -> value_long(i);
                case 2 -> value_double(i);
                case 4 -> value_blob(i);
                case 5 -> null;
                default -> value_text(i);
            };
        }
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement call : plainCalls.values()) {
            call.close();
        }
        plain.close();
    }
}
