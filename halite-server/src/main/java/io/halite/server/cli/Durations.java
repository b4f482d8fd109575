package io.halite.server.cli;

import io.halite.server.GoDuration;
import java.time.Duration;
import picocli.CommandLine;

/** Parses durations such as {@code 500ms}, {@code 2s}, {@code 1m}, {@code 24h}, and whole days ({@code 7d}). */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String text = value.trim();
        Duration parsed = text.matches("\\d{1,5}d") ? Duration.ofDays(Long.parseLong(text.substring(0, text.length() - 1)))
                : GoDuration.parse(text);
        if (parsed == null) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 2s, 1m, 24h, 7d)");
        }
        return parsed;
    }
}
