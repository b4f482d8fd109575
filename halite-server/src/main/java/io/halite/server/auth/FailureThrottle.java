package io.halite.server.auth;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * Slows password guessing: a client address with {@link #MAX_FAILURES} failed logins within {@link #WINDOW} is
 * refused (429) until that window ends, without its credentials being checked at all, so guessing costs the
 * server nothing either. Other addresses are not affected. Counted per TCP peer address: behind a reverse proxy
 * every client shares the proxy's (forwarded-for headers are the client's word, so they are not trusted).
 */
final class FailureThrottle {
    static final int MAX_FAILURES = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Addresses tracked at most; past this, windows that have ended are dropped first. */
    private static final int MAX_ADDRESSES = 100_000;

    private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    private static final class Window {
        final long startNanos;
        int failures;
        boolean announced;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    FailureThrottle(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** How a blocked address is answered: after how long it may try again, and whether to log it (once). */
    record Blocked(long retryAfterSeconds, boolean firstTime) {}

    /** Null if {@code address} may try to log in now; else how long it must wait. */
    Blocked check(String address) {
        Window window = windows.get(address);
        if (window == null) {
            return null;
        }
        synchronized (window) {
            long left = window.startNanos + WINDOW.toNanos() - nanoClock.getAsLong();
            if (left <= 0 || window.failures < MAX_FAILURES) {
                return null;
            }
            boolean first = !window.announced;
            window.announced = true;
            return new Blocked(Math.max(1, (left + 999_999_999) / 1_000_000_000), first);
        }
    }

    /** Counts a failed login from {@code address}. */
    void failed(String address) {
        long now = nanoClock.getAsLong();
        if (windows.size() >= MAX_ADDRESSES) {
            windows.values().removeIf(w -> now - w.startNanos > WINDOW.toNanos());
            if (windows.size() >= MAX_ADDRESSES) {
                windows.clear(); // memory stays bounded whatever number of addresses guess at once
            }
        }
        Window window = windows.compute(address, (a, w) -> w == null || now - w.startNanos > WINDOW.toNanos()
                ? new Window(now) : w);
        synchronized (window) {
            window.failures++;
        }
    }
}
