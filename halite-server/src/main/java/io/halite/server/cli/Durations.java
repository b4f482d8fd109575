package io.halite.server.cli;

import io.halite.server.GoDuration;
import java.time.Duration;
import picocli.CommandLine;

/** Parses durations such as {@code 500ms}, {@code 2s}, {@code 1m}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration parsed = GoDuration.parse(value.trim());
        if (parsed == null) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 2s, 1m)");
        }
        return parsed;
    }
}
