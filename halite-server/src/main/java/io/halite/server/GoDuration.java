package io.halite.server;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in Go's syntax ({@code 500ms}, {@code 2s}, {@code 1m30s}), as rqlite and its clients write them. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {}

    /** Parses a duration; returns null if the text is not one. */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(text);
        int at = 0;
        double nanos = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            double amount = Double.parseDouble(m.group(1));
            nanos += amount * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = m.end();
        }
        return Duration.ofNanos((long) nanos);
    }

    /** Formats like Go's time.Duration String(), e.g. {@code 1h2m3.5s}. */
    public static String format(Duration d) {
        long millis = d.toMillis();
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        double seconds = millis % 60_000 / 1000.0;
        StringBuilder out = new StringBuilder();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        out.append(seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds)).append('s');
        return out.toString();
    }
}
