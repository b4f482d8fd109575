package io.halite.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicReference<Users> users = new AtomicReference<>(users("secret"));
    private final Authenticator authenticator = new Authenticator(users::get, clock::get);

    private static Users users(String password) {
        return users(password, 4);
    }

    private static Users users(String password, int bcryptCost) {
        return Users.parse(("[{\"username\": \"app\", \"password_hash\": \""
                + PasswordHash.bcrypt(password.toCharArray(), bcryptCost) + "\", \"perms\": [\"query\"]}]")
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
        String notUtf8 = "Basic " + Base64.getEncoder().encodeToString(new byte[] {'a', 'p', 'p', ':', (byte) 0xff});
        for (String header : new String[] {"Bearer abc", "Basic !!!", basic("no-colon"), "Basic", "Basically x",
                notUtf8}) {
            assertThat(authenticator.authenticate(header, "10.0.0.4")).as(header)
                    .isEqualTo(new Authenticator.Rejected("invalid user name or password"));
        }
        assertThat(authenticator.authenticate(null, "10.0.0.4"))
                .isEqualTo(new Authenticator.Accepted(new Caller("*", java.util.Set.of())));
        assertThat(authenticator.authenticate(basic("nobody:secret"), "10.0.0.5"))
                .isInstanceOf(Authenticator.Rejected.class);
    }

    @Test
    void theSchemeIsCaseInsensitiveAndARememberedCredentialAdmitsOnlyItself() {
        String header = basic("app:secret");
        assertThat(authenticator.authenticate("bAsIc" + header.substring(5), "10.0.0.6"))
                .isInstanceOf(Authenticator.Accepted.class);
        assertThat(authenticator.authenticate(header, "10.0.0.6")).isInstanceOf(Authenticator.Accepted.class);
        assertThat(authenticator.authenticate(basic("app:secreT"), "10.0.0.6")).isInstanceOf(Authenticator.Rejected.class);
        assertThat(authenticator.authenticate(basic("app:secret "), "10.0.0.6")).isInstanceOf(Authenticator.Rejected.class);
        clock.addAndGet(Authenticator.REMEMBER_FOR.toNanos() + 1);
        assertThat(authenticator.authenticate(header, "10.0.0.6")).isInstanceOf(Authenticator.Accepted.class);
    }

    @Test
    void requestsWithTheSameCredentialsAtTheSameTimeShareOneHashCheck() throws Exception {
        Users slow = users("secret", 10); // each check takes long enough for all the requests to overlap it
        Authenticator authenticator = new Authenticator(() -> slow, clock::get);
        int requests = 32;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Authenticator.Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return authenticator.authenticate(basic("app:secret"), "10.0.0.7");
                }));
            }
            start.countDown();
            for (Future<Authenticator.Outcome> outcome : outcomes) {
                assertThat(outcome.get()).isInstanceOf(Authenticator.Accepted.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(authenticator.passwordChecks()).isEqualTo(1);
    }

    @Test
    void aCredentialInUseIsCheckedAgainBeforeItIsForgotten() {
        String header = basic("app:secret");
        assertThat(authenticator.authenticate(header, "10.0.0.8")).isInstanceOf(Authenticator.Accepted.class);
        clock.addAndGet(Authenticator.REMEMBER_FOR.minus(Authenticator.RENEW_AHEAD).toNanos() - 1);
        assertThat(authenticator.authenticate(header, "10.0.0.8")).isInstanceOf(Authenticator.Accepted.class);
        assertThat(authenticator.passwordChecks()).isEqualTo(1);
        clock.addAndGet(2);
        assertThat(authenticator.authenticate(header, "10.0.0.8")).isInstanceOf(Authenticator.Accepted.class);
        assertThat(authenticator.passwordChecks()).isEqualTo(2);
        // Past the first check's end, the second one still admits it.
        clock.addAndGet(Authenticator.RENEW_AHEAD.toNanos());
        assertThat(authenticator.authenticate(header, "10.0.0.8")).isInstanceOf(Authenticator.Accepted.class);
        assertThat(authenticator.passwordChecks()).isEqualTo(2);
    }

    @Test
    void userNamesAreMadePrintableForTheLog() {
        assertThat(Authenticator.printable("evil\nFAKE LINE")).isEqualTo("evil?FAKE LINE");
        assertThat(Authenticator.printable("x".repeat(70))).isEqualTo("x".repeat(64) + "...");
    }
}
