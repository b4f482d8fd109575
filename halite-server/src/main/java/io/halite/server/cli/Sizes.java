package io.halite.server.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Parses sizes such as {@code 512}, {@code 64KB}, {@code 16MB}, {@code 1GB} (binary multiples). */
final class Sizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        long multiplier = 1;
        for (String[] unit : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"B", "1"}}) {
            if (v.endsWith(unit[0])) {
                multiplier = Long.parseLong(unit[1]);
                v = v.substring(0, v.length() - unit[0].length()).trim();
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n * multiplier;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (examples: 512KB, 16MB)");
        }
    }
}
