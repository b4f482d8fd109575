package io.halite.server.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * The user and password this node presents on its HTTP requests to other members (a catch-up copy of a member's
 * database), when the cluster runs with authentication. Its string form names the user only.
 */
public final class PeerCredentials {
    /** A cluster without authentication. */
    public static final PeerCredentials NONE = new PeerCredentials("", null);

    private final String user;
    private final String authorization;

    private PeerCredentials(String user, String authorization) {
        this.user = user;
        this.authorization = authorization;
    }

    /** Basic credentials for {@code user}; {@code password} may be cleared once this returns. */
    public static PeerCredentials basic(String user, char[] password) {
        char[] pair = new char[user.length() + 1 + password.length];
        user.getChars(0, user.length(), pair, 0);
        pair[user.length()] = ':';
        System.arraycopy(password, 0, pair, user.length() + 1, password.length);
        ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pair));
        byte[] bytes = Arrays.copyOfRange(utf8.array(), utf8.position(), utf8.limit());
        Arrays.fill(pair, '\0');
        Arrays.fill(utf8.array(), (byte) 0);
        String header = "Basic " + Base64.getEncoder().encodeToString(bytes);
        Arrays.fill(bytes, (byte) 0);
        return new PeerCredentials(user, header);
    }

    /** The value of the Authorization header to send, if any. */
    public Optional<String> authorization() {
        return Optional.ofNullable(authorization);
    }

    public String user() {
        return user;
    }

    @Override
    public String toString() {
        return authorization == null ? "PeerCredentials[none]" : "PeerCredentials[user=" + user + "]";
    }
}
