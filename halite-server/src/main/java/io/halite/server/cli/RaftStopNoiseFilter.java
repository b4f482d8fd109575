package io.halite.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.halite.core.raft.RaftFailures;
import org.slf4j.Marker;

/**
 * Drops what Ratis logs, at ERROR and with a stack trace, only because this node's Raft server is not serving
 * ({@link RaftFailures#isNotServingNoise}): a clean stop would otherwise print dozens of them, and a supervisor or a
 * log alert cannot tell them from a failure. Declared in logback.xml.
 */
public final class RaftStopNoiseFilter extends TurboFilter {
    private static final String RATIS = "org.apache.ratis";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (level == null || !level.isGreaterOrEqual(Level.WARN) || !logger.getName().startsWith(RATIS)) {
            return FilterReply.NEUTRAL;
        }
        // With SLF4J's varargs calls, the throwable arrives as the last argument rather than as t.
        Throwable thrown = t != null ? t
                : params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last ? last
                : null;
        return RaftFailures.isNotServingNoise(thrown) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
