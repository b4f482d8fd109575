package io.halite.server.http;

import io.halite.core.node.ReadLevel;
import io.halite.server.GoDuration;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query parameters of one request, checked against the names an endpoint accepts. Each may be given once.
 * Flags are set by presence ({@code ?pretty}) or by {@code true}/{@code false}; any other value is refused.
 * Durations use Go's syntax ({@code 500ms}, {@code 2s}, {@code 1m30s}), as rqlite clients send them. A parameter
 * the endpoint does not use is ignored, as rqlite ignores it: clients send extras (rqlite-js sends
 * {@code activeHostIndex} to {@code /status}).
 */
final class QueryParams {
    private static final Logger LOG = LoggerFactory.getLogger(QueryParams.class);

    /**
     * The parameters that are flags, on every endpoint. Their values are checked when the query is parsed, so that
     * one is refused even where the request's path never reads it ({@code redirect} with {@code level=none}).
     */
    private static final Set<String> FLAGS = Set.of("pretty", "timings", "transaction", "associative",
            "blob_array", "error_codes", "stored_values", "raft_index", "redirect", "freshness_strict", "nonvoters",
            "noleader", "queue", "wait");

    /** Each parameter's decoded value; "" for one given without a value. */
    private final Map<String, String> values;

    private QueryParams(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses a raw (still percent-encoded) query string. Decoding is strict, for every parameter: a malformed
     * escape, or bytes that are not UTF-8, are refused rather than guessed at.
     */
    static QueryParams parse(String rawQuery, Set<String> allowed) {
        Map<String, String> values = new HashMap<>();
        if (rawQuery == null) {
            return new QueryParams(values);
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals), "a query parameter name");
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1), "query parameter " + name);
            if (!allowed.contains(name)) {
                LOG.debug("ignoring query parameter '{}', which this endpoint does not use", name);
                continue;
            }
            if (values.putIfAbsent(name, value) != null) {
                throw ApiException.badRequest("query parameter " + name + " is given more than once");
            }
            if (FLAGS.contains(name) && !(value.isEmpty() || value.equals("true") || value.equals("false"))) {
                throw ApiException.badRequest("invalid value '" + value + "' for " + name
                        + ": use true or false, or give " + name + " without a value");
            }
        }
        return new QueryParams(values);
    }

    /** Form decoding ({@code +} is a space, {@code %XX} a byte), then UTF-8; {@code what} names it in errors. */
    private static String decode(String raw, String what) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        int from = 0;
        while (from < raw.length()) {
            int escape = raw.indexOf('%', from);
            int literalEnd = escape < 0 ? raw.length() : escape;
            bytes.writeBytes(raw.substring(from, literalEnd).replace('+', ' ').getBytes(StandardCharsets.UTF_8));
            if (escape < 0) {
                break;
            }
            if (escape + 2 >= raw.length() || !HexFormat.isHexDigit(raw.charAt(escape + 1))
                    || !HexFormat.isHexDigit(raw.charAt(escape + 2))) {
                throw ApiException.badRequest(what + " has a malformed percent-escape: '%' must be followed by "
                        + "two hexadecimal digits");
            }
            bytes.write(HexFormat.fromHexDigits(raw, escape + 1, escape + 3));
            from = escape + 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest(what + " is not valid UTF-8 once percent-decoded");
        }
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name) {
        return values.get(name);
    }

    /** Whether a flag (one of {@link #FLAGS}, its value already checked) is set. */
    boolean flag(String name) {
        String value = string(name);
        return value != null && !value.equals("false");
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
