package io.halite.server.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Basic credentials against the users in force. A password hash is slow by design (bcrypt, PBKDF2), so a
 * credential that passed is remembered for {@link #REMEMBER_FOR}: keyed by an HMAC of the user name and password
 * under a key drawn at random when the process starts, so the cache holds nothing a password can be recovered
 * from. A new users file forgets everything remembered. Failures are counted per client address
 * ({@link FailureThrottle}) and logged with the user name and address, never the password.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    static final Duration REMEMBER_FOR = Duration.ofMinutes(1);
    private static final int MAX_REMEMBERED = 10_000;
    /**
     * Checked in place of an unknown user's hash, so that an unknown name takes as long to refuse as a wrong
     * password (no password matches it: it is no hash of anything).
     */
    private static final PasswordHash UNKNOWN_USER = PasswordHash.parse(
            "$2b$" + PasswordHash.DEFAULT_BCRYPT_COST + "$" + ".".repeat(53));
    private static final String REFUSED = "invalid user name or password";

    private final Supplier<Users> users;
    private final FailureThrottle throttle;
    private final LongSupplier nanoClock;
    private final SecretKeySpec cacheKey;
    private final ConcurrentMap<String, Remembered> remembered = new ConcurrentHashMap<>();

    private record Remembered(Users users, String user, long untilNanos) {}

    /** The outcome of one request's authentication. */
    public sealed interface Outcome {}

    /** Authenticated (or anonymous, without credentials). */
    public record Accepted(Caller caller) implements Outcome {}

    /** Credentials that are wrong or malformed: 401. The message says nothing of which part was wrong. */
    public record Rejected(String message) implements Outcome {}

    /** Too many failures from this address: 429, try again after this many seconds. */
    public record Throttled(long retryAfterSeconds) implements Outcome {}

    public Authenticator(Supplier<Users> users) {
        this(users, System::nanoTime);
    }

    Authenticator(Supplier<Users> users, LongSupplier nanoClock) {
        this.users = users;
        this.nanoClock = nanoClock;
        this.throttle = new FailureThrottle(nanoClock);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.cacheKey = new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * @param authorization the request's Authorization header, or null
     * @param address       the client's address, for throttling and the log
     */
    public Outcome authenticate(String authorization, String address) {
        Users current = users.get();
        if (authorization == null) {
            return new Accepted(new Caller("*", current.anonymous()));
        }
        FailureThrottle.Blocked blocked = throttle.check(address);
        if (blocked != null) {
            if (blocked.firstTime()) {
                LOG.warn("refusing logins from {} for {} s: {} failed logins within {} s", address,
                        blocked.retryAfterSeconds(), FailureThrottle.MAX_FAILURES, FailureThrottle.WINDOW.toSeconds());
            }
            return new Throttled(blocked.retryAfterSeconds());
        }
        char[] credentials = basicCredentials(authorization);
        if (credentials == null) {
            return fail(address, null, "a malformed Authorization header (Basic with base64 user:password expected)");
        }
        try {
            int colon = indexOf(credentials, ':');
            if (colon < 0) {
                return fail(address, null, "Basic credentials without ':' between user name and password");
            }
            String name = new String(credentials, 0, colon);
            char[] password = Arrays.copyOfRange(credentials, colon + 1, credentials.length);
            try {
                return check(current, name, password, address);
            } finally {
                Arrays.fill(password, '\0');
            }
        } finally {
            Arrays.fill(credentials, '\0');
        }
    }

    private Outcome check(Users current, String name, char[] password, String address) {
        String key = cacheKey(name, password);
        long now = nanoClock.getAsLong();
        Remembered hit = remembered.get(key);
        Users.User user = current.users().get(name);
        if (hit != null && hit.users == current && now - hit.untilNanos < 0 && user != null) {
            return new Accepted(new Caller(user.name(), user.permissions()));
        }
        if (user == null) {
            UNKNOWN_USER.matches(password);
            return fail(address, name, "no such user");
        }
        if (!user.password().matches(password)) {
            return fail(address, name, "wrong password");
        }
        if (remembered.size() >= MAX_REMEMBERED) {
            remembered.clear();
        }
        remembered.put(key, new Remembered(current, name, now + REMEMBER_FOR.toNanos()));
        return new Accepted(new Caller(user.name(), user.permissions()));
    }

    private Outcome fail(String address, String user, String why) {
        throttle.failed(address);
        LOG.warn("authentication failed from {}{}: {}", address, user == null ? "" : " for user '" + printable(user)
                + "'", why);
        return new Rejected(REFUSED);
    }

    /** The decoded {@code user:password} of a Basic header, or null if the header is not one. */
    private static char[] basicCredentials(String authorization) {
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(space + 1).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded));
            char[] result = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
            Arrays.fill(chars.array(), '\0');
            return result;
        } catch (CharacterCodingException e) {
            return null;
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private String cacheKey(String name, char[] password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(cacheKey);
            mac.update(name.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            byte[] secret = PasswordHash.utf8(password);
            try {
                return Base64.getEncoder().encodeToString(mac.doFinal(secret));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    private static int indexOf(char[] chars, char c) {
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** A client's user name for the log: no control characters (no forged log lines), at most 64 characters. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(64).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return name.codePointCount(0, name.length()) > 64 ? out + "..." : out.toString();
    }
}
