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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Basic credentials against the users in force. A password hash is slow by design (bcrypt, PBKDF2), so a
 * credential that passed is remembered for {@link #REMEMBER_FOR}: keyed by an HMAC of the decoded
 * {@code user:password} under a key drawn at random when the process starts, so the cache holds nothing a password
 * can be recovered from. A new users file forgets everything remembered. Failures are counted per client address
 * ({@link FailureThrottle}) and logged with the user name and address, never the password.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    static final Duration REMEMBER_FOR = Duration.ofMinutes(1);
    static final Duration RENEW_AHEAD = Duration.ofSeconds(15);
    private static final int MAX_REMEMBERED = 10_000;
    /**
     * Checked in place of an unknown user's hash, so that an unknown name takes as long to refuse as a wrong
     * password (no password matches it: it is no hash of anything).
     */
    private static final PasswordHash UNKNOWN_USER = PasswordHash.parse(
            "$2b$" + PasswordHash.DEFAULT_BCRYPT_COST + "$" + ".".repeat(53));
    private static final String REFUSED = "invalid user name or password";
    private static final String BASIC = "Basic";

    private final Supplier<Users> users;
    private final FailureThrottle throttle;
    private final LongSupplier nanoClock;
    private final SecretKeySpec cacheKey;
    private final ConcurrentMap<String, Remembered> remembered = new ConcurrentHashMap<>();
    /** The checks under way, by cache key, for requests with the same credentials to wait for. */
    private final ConcurrentMap<String, CompletableFuture<Outcome>> checking = new ConcurrentHashMap<>();
    private final LongAdder passwordChecks = new LongAdder();
    /** Each thread's HMAC, keyed once: looking one up and keying it cost more than the HMAC itself. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /**
     * Credentials that passed, and who they are while {@code users} is in force. From {@code renewFromNanos}, the
     * first request to set {@code renewing} checks the hash again.
     */
    private record Remembered(Users users, Caller caller, long renewFromNanos, long untilNanos,
                              AtomicBoolean renewing) {
        /** In force for {@code current} and not yet due to be checked again. */
        boolean fresh(Users current, long now) {
            return users == current && now - renewFromNanos < 0;
        }

        /**
         * Whether a request is admitted without a check: fresh, or due but not yet expired while another request
         * checks it again. The first request to find it due claims that check and is not admitted here.
         */
        boolean admits(Users current, long now) {
            return fresh(current, now)
                    || users == current && now - untilNanos < 0 && !renewing.compareAndSet(false, true);
        }
    }

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
        byte[] credentials = basicCredentials(authorization);
        if (credentials == null) {
            return fail(address, null, "a malformed Authorization header (Basic with base64 user:password expected)");
        }
        try {
            // A keep-alive client sends the same credentials with every request: one HMAC finds them remembered.
            String key = cacheKey(credentials);
            long now = nanoClock.getAsLong();
            Remembered hit = remembered.get(key);
            // Near its end, one request checks the hash again while the rest are still admitted: a busy client's
            // credentials are never forgotten, which would make all its requests wait for the hash at once.
            if (hit != null && hit.admits(current, now)) {
                return new Accepted(hit.caller);
            }
            return checkOnce(current, credentials, key, now, address);
        } finally {
            Arrays.fill(credentials, (byte) 0);
        }
    }

    /**
     * Checks the hash once for all the requests that carry the same credentials at the same time: a pool of
     * connections opened together would otherwise run as many slow hashes as it has connections.
     */
    private Outcome checkOnce(Users current, byte[] credentials, String key, long now, String address) {
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> running = checking.putIfAbsent(key, mine);
        if (running != null) {
            return running.join();
        }
        try {
            // Another check of these credentials may have ended between the caller's look and putIfAbsent.
            Remembered ended = remembered.get(key);
            Outcome outcome = ended != null && ended.fresh(current, now)
                    ? new Accepted(ended.caller) : check(current, credentials, key, now, address);
            mine.complete(outcome);
            return outcome;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            checking.remove(key, mine);
        }
    }

    /** How many times a password was checked against its hash since the process started. */
    public long passwordChecks() {
        return passwordChecks.sum();
    }

    /** Checks credentials not remembered against their user's password hash, and remembers them if they pass. */
    private Outcome check(Users current, byte[] credentials, String key, long now, String address) {
        char[] decoded = utf8(credentials);
        if (decoded == null) {
            return fail(address, null, "Basic credentials that are not UTF-8");
        }
        try {
            int colon = indexOf(decoded, ':');
            if (colon < 0) {
                return fail(address, null, "Basic credentials without ':' between user name and password");
            }
            String name = new String(decoded, 0, colon);
            Users.User user = current.users().get(name);
            char[] password = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
            boolean matches;
            passwordChecks.increment();
            try {
                matches = (user == null ? UNKNOWN_USER : user.password()).matches(password);
            } finally {
                Arrays.fill(password, '\0');
            }
            if (user == null) {
                return fail(address, name, "no such user");
            }
            if (!matches) {
                return fail(address, name, "wrong password");
            }
            Caller caller = new Caller(user.name(), user.permissions());
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
            remembered.put(key, new Remembered(current, caller, now + REMEMBER_FOR.toNanos() - RENEW_AHEAD.toNanos(),
                    now + REMEMBER_FOR.toNanos(), new AtomicBoolean()));
            return new Accepted(caller);
        } finally {
            Arrays.fill(decoded, '\0');
        }
    }

    private Outcome fail(String address, String user, String why) {
        throttle.failed(address);
        LOG.warn("authentication failed from {}{}: {}", address, user == null ? "" : " for user '" + printable(user)
                + "'", why);
        return new Rejected(REFUSED);
    }

    /** The decoded {@code user:password} bytes of a Basic header, or null if the header is not one. */
    private static byte[] basicCredentials(String authorization) {
        int space = authorization.indexOf(' ');
        if (space != BASIC.length() || !authorization.regionMatches(true, 0, BASIC, 0, space)) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(authorization.substring(space + 1).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code bytes} as UTF-8, or null if they are not. */
    private static char[] utf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] result = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
            Arrays.fill(chars.array(), '\0');
            return result;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private String cacheKey(byte[] credentials) {
        return Base64.getEncoder().encodeToString(macs.get().doFinal(credentials));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(cacheKey);
            return mac;
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
