package io.halite.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicReference<Users> users = new AtomicReference<>(users("secret"));
    private final Authenticator authenticator = new Authenticator(users::get, clock::get);

    private static Users users(String password) {
        return Users.parse(("[{\"username\": \"app\", \"password_hash\": \""
                + PasswordHash.bcrypt(password.toCharArray(), 4) + "\", \"perms\": [\"query\"]}]")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReloadedFileEndsRememberedChecks() {
        assertThat(authenticator.authenticate(basic("app:secret"), "10.0.0.1"))
                .isEqualTo(new Authenticator.Accepted(new Caller("app", java.util.Set.of(Permission.QUERY))));
        users.set(users("changed"));
        assertThat(authenticator.authenticate(basic("app:secret"), "10.0.0.1")).isInstanceOf(Authenticator.Rejected.class);
        assertThat(authenticator.authenticate(basic("app:changed"), "10.0.0.1")).isInstanceOf(Authenticator.Accepted.class);
    }

    @Test
    void aThrottledAddressMayTryAgainOnceItsWindowEnds() {
        for (int i = 0; i < FailureThrottle.MAX_FAILURES; i++) {
            assertThat(authenticator.authenticate(basic("app:guess" + i), "10.0.0.2"))
                    .isInstanceOf(Authenticator.Rejected.class);
        }
        clock.addAndGet(FailureThrottle.WINDOW.toNanos() - 2_500_000_000L);
        assertThat(authenticator.authenticate(basic("app:secret"), "10.0.0.2"))
                .isEqualTo(new Authenticator.Throttled(3));
        assertThat(authenticator.authenticate(basic("app:secret"), "10.0.0.3")).isInstanceOf(Authenticator.Accepted.class);
        clock.addAndGet(2_500_000_001L);
        assertThat(authenticator.authenticate(basic("app:secret"), "10.0.0.2")).isInstanceOf(Authenticator.Accepted.class);
    }

    @Test
    void malformedHeadersAreRejectedAndNoHeaderIsAnonymous() {
        for (String header : new String[] {"Bearer abc", "Basic !!!", basic("no-colon"), "Basic"}) {
            assertThat(authenticator.authenticate(header, "10.0.0.4")).as(header)
                    .isEqualTo(new Authenticator.Rejected("invalid user name or password"));
        }
        assertThat(authenticator.authenticate(null, "10.0.0.4"))
                .isEqualTo(new Authenticator.Accepted(new Caller("*", java.util.Set.of())));
        assertThat(authenticator.authenticate(basic("nobody:secret"), "10.0.0.5"))
                .isInstanceOf(Authenticator.Rejected.class);
    }

    @Test
    void userNamesAreMadePrintableForTheLog() {
        assertThat(Authenticator.printable("evil\nFAKE LINE")).isEqualTo("evil?FAKE LINE");
        assertThat(Authenticator.printable("x".repeat(70))).isEqualTo("x".repeat(64) + "...");
    }
}
