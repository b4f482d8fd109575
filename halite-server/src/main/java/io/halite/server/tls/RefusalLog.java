package io.halite.server.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failed TLS handshakes (a peer refused, or refusing us) at WARN, at most once a minute for the same peer and reason: a peer that keeps retrying
 * (a Raft leader sends to each follower several times a second) must not flood the log.
 */
public final class RefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);
    private static final long QUIET_NANOS = 60_000_000_000L;
    private static final int MAX_REMEMBERED = 10_000;

    private static final Map<String, Long> LAST_LOGGED = new ConcurrentHashMap<>();

    private RefusalLog() {}

    /** Logs that a handshake with {@code peer} ("from 10.0.0.7") failed for {@code reason}, unless it just did. */
    public static void handshakeFailed(String peer, String reason) {
        long now = System.nanoTime();
        String key = peer + " " + reason;
        Long last = LAST_LOGGED.get(key);
        if (last != null && now - last < QUIET_NANOS) {
            return;
        }
        if (LAST_LOGGED.size() > MAX_REMEMBERED) {
            LAST_LOGGED.clear();
        }
        LAST_LOGGED.put(key, now);
        LOG.warn("TLS handshake {} failed: {}", peer, reason);
    }
}
