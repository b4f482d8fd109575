package io.halite.server.http;

import io.halite.core.node.ReadLevel;
import io.halite.server.GoDuration;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.util.Fields;

/**
 * The query parameters of one request, checked against the names an endpoint accepts. Flags follow rqlite:
 * present without a value means true; {@code true/false/1/0} are accepted too. Durations use Go's syntax
 * ({@code 500ms}, {@code 2s}, {@code 1m30s}), as rqlite clients send them.
 */
final class QueryParams {
    private final Fields fields;

    private QueryParams(Fields fields) {
        this.fields = fields;
    }

    static QueryParams of(Fields fields, Set<String> allowed) {
        for (Fields.Field field : fields) {
            if (!allowed.contains(field.getName())) {
                throw ApiException.badRequest("unknown query parameter '" + field.getName()
                        + "'; this endpoint accepts: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
        return new QueryParams(fields);
    }

    boolean has(String name) {
        return fields.get(name) != null;
    }

    String string(String name) {
        Fields.Field f = fields.get(name);
        return f == null ? null : f.getValue();
    }

    boolean flag(String name) {
        String value = string(name);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw ApiException.badRequest("invalid value '" + value + "' for " + name
                    + ": use true or false, or give the flag without a value");
        };
    }

    Duration duration(String name, Duration fallback) {
        String value = string(name);
        if (value == null) {
            return fallback;
        }
        Duration parsed = GoDuration.parse(value);
        if (parsed == null) {
            throw ApiException.badRequest(name + " is not a valid duration: '" + value + "' (examples: 500ms, 2s, 1m)");
        }
        return parsed;
    }

    long nonNegativeLong(String name, long fallback) {
        String value = string(name);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badRequest(name + " must be a non-negative integer, not '" + value + "'");
    }

    ReadLevel level() {
        String value = string("level");
        if (value == null) {
            return ReadLevel.WEAK;
        }
        ReadLevel level = ReadLevel.parse(value);
        if (level == null) {
            throw ApiException.badRequest("invalid level '" + value + "': use none, weak, linearizable or strong");
        }
        return level;
    }
}
