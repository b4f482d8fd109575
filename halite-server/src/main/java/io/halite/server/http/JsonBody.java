package io.halite.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request body that must be exactly one JSON value. What is wrong with a body that is not is said in plain
 * words, with its line and column: Jackson's own messages name its classes and settings.
 */
final class JsonBody {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonBody() {}

    /** The body's JSON value, or null if the body is empty or only whitespace. */
    static JsonNode read(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            JsonNode value;
            try {
                value = JSON.readTree(parser);
            } catch (JsonProcessingException e) {
                throw invalid(body, e);
            }
            try {
                if (parser.nextToken() != null) {
                    throw trailing(body, parser.currentTokenLocation());
                }
            } catch (JsonProcessingException e) {
                throw trailing(body, e.getLocation());
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory", e);
        }
    }

    private static ApiException trailing(byte[] body, JsonLocation where) {
        return ApiException.badRequest("invalid JSON body: more content after the end of the JSON value, at "
                + position(body, where));
    }

    private static ApiException invalid(byte[] body, JsonProcessingException e) {
        int badByte = firstInvalidUtf8(body);
        if (badByte >= 0) {
            return ApiException.badRequest("invalid JSON body: it is not valid UTF-8 (at byte offset " + badByte
                    + ")");
        }
        if (e instanceof StreamConstraintsException) {
            StreamReadConstraints limits = JSON.getFactory().streamReadConstraints();
            return ApiException.badRequest("invalid JSON body: it is nested more than " + limits.getMaxNestingDepth()
                    + " levels deep, or holds a string longer than " + limits.getMaxStringLength()
                    + " characters or a number longer than " + limits.getMaxNumberLength() + " digits");
        }
        JsonLocation where = e.getLocation();
        if (where == null) {
            return ApiException.badRequest("invalid JSON body");
        }
        if (e instanceof JsonEOFException) {
            return ApiException.badRequest("invalid JSON body: it ends at " + position(body, where)
                    + " before the JSON value is complete");
        }
        return ApiException.badRequest("invalid JSON body: unexpected character "
                + describe(body, (int) where.getByteOffset()) + " at " + position(body, where));
    }

    /**
     * Line and column (1-based, in characters) of a location in a UTF-8 body. Jackson's own column counts bytes,
     * which is off after any non-ASCII character.
     */
    private static String position(byte[] body, JsonLocation where) {
        int offset = (int) Math.min(Math.max(where.getByteOffset(), 0), body.length);
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (body[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String before = new String(body, lineStart, offset - lineStart, StandardCharsets.UTF_8);
        return "line " + line + ", column " + (before.codePointCount(0, before.length()) + 1);
    }

    /** The character starting at byte {@code offset} of a UTF-8 body, quoted, or its code point if invisible. */
    private static String describe(byte[] body, int offset) {
        if (offset < 0 || offset >= body.length) {
            return "(unknown)";
        }
        int index = new String(body, 0, offset, StandardCharsets.UTF_8).length();
        int codePoint = new String(body, StandardCharsets.UTF_8).codePointAt(index);
        if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)) {
            return String.format("U+%04X", codePoint);
        }
        return "'" + Character.toString(codePoint) + "'";
    }

    /** The offset of the first byte that is not valid UTF-8, or -1 if the whole body is. */
    private static int firstInvalidUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(4096);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                return in.position();
            }
            if (result.isUnderflow()) {
                return -1;
            }
            out.clear();
        }
    }
}
