package io.halite.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written to stderr: {@code text} (logback.xml's pattern) or {@code json}, one object a line
 * for log shippers, by logback's own {@link JsonEncoder}: {@code timestamp} (Unix milliseconds), {@code level},
 * {@code threadName}, {@code loggerName}, {@code formattedMessage} and, with an error, {@code throwable}.
 */
public enum LogFormat {
    TEXT,
    JSON;

    /** The environment variable that sets the format for every command (serve also takes --log-format). */
    static final String VARIABLE = "HALITE_LOG_FORMAT";
    /** The appender logback.xml declares for everything Halite logs. */
    private static final String APPENDER = "STDERR";

    /** Applies {@code HALITE_LOG_FORMAT} if it names a format, so that a command logs in it from its first line. */
    public static void applyFromEnvironment() {
        String value = System.getenv(VARIABLE);
        if (value != null) {
            parse(value).ifPresent(LogFormat::apply);
        }
    }

    private static java.util.Optional<LogFormat> parse(String value) {
        for (LogFormat format : values()) {
            if (format.name().equalsIgnoreCase(value.strip())) {
                return java.util.Optional.of(format);
            }
        }
        return java.util.Optional.empty();
    }

    /** Picocli's converter for {@code --log-format}: {@code text} or {@code json}, in any case. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            return parse(value).orElseThrow(() -> new picocli.CommandLine.TypeConversionException(
                    "'" + value + "' is not a log format: use text or json"));
        }
    }

    /** logback.xml's encoder, kept while JSON replaces it (a --log-format text flag wins over the variable). */
    private static Encoder<ILoggingEvent> configuredEncoder;

    /** Switches the stderr appender to this format. */
    void apply() {
        switchTo(this);
    }

    private static synchronized void switchTo(LogFormat format) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        if (!(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(APPENDER)
                instanceof OutputStreamAppender<ILoggingEvent> appender)
                || appender.getEncoder() instanceof JsonEncoder == (format == JSON)) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (format == TEXT) {
            encoder = configuredEncoder;
        } else {
            configuredEncoder = appender.getEncoder();
            encoder = jsonEncoder(context);
        }
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }

    private static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        // The message as written (the pattern and its arguments would make shippers do the formatting), no
        // sequence numbers, logger-context or MDC blocks (Halite sets no MDC): one short object per line.
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithContext(false);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithMDC(false);
        encoder.start();
        return encoder;
    }
}
