package io.halite.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How backup objects are named. Everything of one line of history (a generation) sits under its id:
 * <pre>
 *   20261123T101500Z-3fa2b19c/base/00000000000000004711.sqlite.zst   a base copy (the database at index 4711)
 *   20261123T101500Z-3fa2b19c/base/00000000000000004711.json         its manifest, written last: the base is complete
 *   20261123T101500Z-3fa2b19c/log/00000000000000004712-00000000000000004790.log.zst   entries 4712 to 4790
 * </pre>
 * Indexes are zero-padded so that names sort in log order. A new generation starts when a leader cannot prove that
 * the newest one is a prefix of its own log (for example after a restore to an earlier point): two histories never
 * mix. Generation ids start with their creation time, so the newest sorts last.
 */
public final class BackupLayout {
    private static final DateTimeFormatter GENERATION_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern GENERATION = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
    private static final Pattern BASE = Pattern.compile("(" + GENERATION + ")/base/(\\d{20})\\.(sqlite\\.zst|json)");
    private static final Pattern SEGMENT = Pattern.compile("(" + GENERATION + ")/log/(\\d{20})-(\\d{20})\\.log\\.zst");

    private BackupLayout() {
    }

    public static String newGeneration(Instant now) {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return GENERATION_TIME.format(now) + "-" + HexFormat.of().formatHex(random);
    }

    public static String baseData(String generation, long index) {
        return generation + "/base/" + pad(index) + ".sqlite.zst";
    }

    public static String baseManifest(String generation, long index) {
        return generation + "/base/" + pad(index) + ".json";
    }

    public static String segment(String generation, long first, long last) {
        return generation + "/log/" + pad(first) + "-" + pad(last) + ".log.zst";
    }

    private static String pad(long index) {
        return String.format("%020d", index);
    }

    /** What an object name denotes; empty for names that are not Halite backup objects. */
    public static Optional<Parsed> parse(String name) {
        Matcher base = BASE.matcher(name);
        if (base.matches()) {
            Kind kind = base.group(3).equals("json") ? Kind.BASE_MANIFEST : Kind.BASE_DATA;
            long index = Long.parseLong(base.group(2));
            return Optional.of(new Parsed(kind, base.group(1), index, index));
        }
        Matcher segment = SEGMENT.matcher(name);
        if (segment.matches()) {
            return Optional.of(new Parsed(Kind.SEGMENT, segment.group(1), Long.parseLong(segment.group(2)),
                    Long.parseLong(segment.group(3))));
        }
        return Optional.empty();
    }

    public enum Kind { BASE_DATA, BASE_MANIFEST, SEGMENT }

    /** A parsed object name: for a base, {@code first == last ==} its index; for a segment, its index range. */
    public record Parsed(Kind kind, String generation, long first, long last) {}
}
