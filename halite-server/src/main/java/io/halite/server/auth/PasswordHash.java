package io.halite.server.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A stored password: what a users file's {@code password_hash} (or rqlite's plain {@code password}) holds, and the
 * check of a password against it. Every check compares in constant time.
 *
 * <p>Two hash formats:
 * <ul>
 *   <li>bcrypt, {@code $2a$}, {@code $2b$} or {@code $2y$} + cost + salt and hash (as htpasswd -B and most
 *       libraries write it);</li>
 *   <li>a SCRAM-SHA-256 verifier as PostgreSQL stores one:
 *       {@code SCRAM-SHA-256$<iterations>:<salt, base64>$<StoredKey, base64>:<ServerKey, base64>}, where
 *       SaltedPassword = PBKDF2-HMAC-SHA-256(UTF-8 password, salt, iterations, 32 bytes),
 *       StoredKey = SHA-256(HMAC-SHA-256(SaltedPassword, "Client Key")) and
 *       ServerKey = HMAC-SHA-256(SaltedPassword, "Server Key"). The password is taken as given (no SASLprep).</li>
 * </ul>
 */
public abstract sealed class PasswordHash {
    /** bcrypt's cost for new hashes: about a quarter of a second per check on a small machine. */
    public static final int DEFAULT_BCRYPT_COST = 12;
    /** PBKDF2 iterations for new SCRAM verifiers (OWASP's 2023 advice for PBKDF2-HMAC-SHA-256). */
    public static final int DEFAULT_SCRAM_ITERATIONS = 600_000;
    /** bcrypt reads at most this many bytes of a password; longer ones would be cut silently. */
    public static final int BCRYPT_MAX_PASSWORD_BYTES = 72;

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final String SCRAM_PREFIX = "SCRAM-SHA-256$";
    private static final Pattern SCRAM = Pattern.compile(
            Pattern.quote(SCRAM_PREFIX) + "(\\d{1,9}):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    /** Whether {@code password} is the one this hash was made from. */
    public abstract boolean matches(char[] password);

    /**
     * Reads a {@code password_hash} value.
     *
     * @throws IllegalArgumentException saying which formats are accepted, if it is none of them
     */
    public static PasswordHash parse(String text) {
        Matcher bcrypt = BCRYPT.matcher(text);
        if (bcrypt.matches()) {
            int cost = Integer.parseInt(bcrypt.group(1));
            if (cost < 4 || cost > 31) {
                throw new IllegalArgumentException("bcrypt cost " + cost + " is outside 4..31");
            }
            return new Bcrypt(text);
        }
        Matcher scram = SCRAM.matcher(text);
        if (scram.matches()) {
            try {
                int iterations = Integer.parseInt(scram.group(1));
                byte[] salt = Base64.getDecoder().decode(scram.group(2));
                byte[] storedKey = Base64.getDecoder().decode(scram.group(3));
                Base64.getDecoder().decode(scram.group(4));
                if (iterations < 1 || salt.length == 0 || storedKey.length != 32) {
                    throw new IllegalArgumentException("bad iteration count, salt or key length");
                }
                return new Scram(iterations, salt, storedKey);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("unknown password hash format (" + describe(text) + "); use a bcrypt hash "
                + "($2a$ or $2b$) or a SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:"
                + "<ServerKey>), as 'halite passwd' prints them");
    }

    /** rqlite's plain {@code password}: kept in memory as a SHA-256, compared in constant time. */
    public static PasswordHash plain(String password) {
        return new Plain(sha256(utf8(password.toCharArray())));
    }

    /** A new bcrypt hash ({@code $2b$}) with a random salt. */
    public static String bcrypt(char[] password, int cost) {
        if (utf8(password).length > BCRYPT_MAX_PASSWORD_BYTES) {
            throw new IllegalArgumentException("bcrypt uses only the first " + BCRYPT_MAX_PASSWORD_BYTES
                    + " bytes of a password; this one is longer: use --scram");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2b", password, salt, cost);
    }

    /** A new SCRAM-SHA-256 verifier with a random salt. */
    public static String scram(char[] password, int iterations) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] salted = saltedPassword(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder();
        return SCRAM_PREFIX + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(sha256(hmac(salted, "Client Key"))) + ":"
                + b64.encodeToString(hmac(salted, "Server Key"));
    }

    /** What a value looks like, without repeating it (it may be a password put in the wrong field). */
    private static String describe(String text) {
        int dollar = text.indexOf('$', 1);
        return text.length() + " characters" + (text.startsWith("$") && dollar > 0
                ? ", starting with '" + text.substring(0, dollar + 1) + "'" : "");
    }

    private static final class Bcrypt extends PasswordHash {
        private final String hash;

        Bcrypt(String hash) {
            this.hash = hash;
        }

        @Override
        public boolean matches(char[] password) {
            return OpenBSDBCrypt.checkPassword(hash, password);
        }
    }

    private static final class Scram extends PasswordHash {
        private final int iterations;
        private final byte[] salt;
        private final byte[] storedKey;

        Scram(int iterations, byte[] salt, byte[] storedKey) {
            this.iterations = iterations;
            this.salt = salt;
            this.storedKey = storedKey;
        }

        @Override
        public boolean matches(char[] password) {
            byte[] computed = sha256(hmac(saltedPassword(password, salt, iterations), "Client Key"));
            return MessageDigest.isEqual(computed, storedKey);
        }
    }

    private static final class Plain extends PasswordHash {
        private final byte[] digest;

        Plain(byte[] digest) {
            this.digest = digest;
        }

        @Override
        public boolean matches(char[] password) {
            // Digests of equal length: the comparison's time tells nothing of the stored password's length.
            return MessageDigest.isEqual(sha256(utf8(password)), digest);
        }
    }

    private static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every Java 17 runtime", e);
        } finally {
            spec.clearPassword();
        }
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java 17 runtime", e);
        }
    }

    static byte[] utf8(char[] chars) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] bytes = Arrays.copyOfRange(encoded.array(), encoded.position(), encoded.limit());
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }
}
