package io.halite.server.http;

import io.halite.backup.BackupStatus;
import io.halite.backup.BackupUploader;
import io.halite.server.auth.Authenticator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The process's metrics, in Prometheus's text format at {@code GET /metrics}: the node's (registered by core),
 * the HTTP API's ({@link RequestMeters}), the backup's, and the JVM's own.
 */
public final class ServerMetrics implements AutoCloseable {
    /** Prometheus's text exposition format, version 0.0.4: what every scraper reads. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ServerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Where the node and the HTTP layer register their meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The backup's lag, last success and errors, read from {@code uploader} at each scrape. */
    public void watch(BackupUploader uploader) {
        Gauge.builder("halite.backup.lag", uploader, u -> u.status().lagSeconds())
                .description("How long the oldest applied entry not yet in the backup has waited (0 on a node that "
                        + "does not upload: only the leader does)")
                .baseUnit("seconds").strongReference(true).register(registry);
        Gauge.builder("halite.backup.last.success.timestamp", uploader, u -> lastSuccessSeconds(u.status()))
                .description("Unix time of this node's last successful upload (0 if none since it started)")
                .baseUnit("seconds").strongReference(true).register(registry);
        FunctionCounter.builder("halite.backup.errors", uploader, BackupUploader::errorCount)
                .description("Failed upload rounds since this node started")
                .register(registry);
        Gauge.builder("halite.backup.lease.refused", uploader, u -> u.status().leaseRefused() ? 1 : 0)
                .description("1 while another cluster holds the backup destination's lease, so this leader does not "
                        + "upload; else 0")
                .strongReference(true).register(registry);
    }

    /** How often passwords are checked against their hashes, read from {@code authenticator} at each scrape. */
    public void watch(Authenticator authenticator) {
        FunctionCounter.builder("halite.auth.password.checks", authenticator, Authenticator::passwordChecks)
                .description("Passwords checked against their hashes (bcrypt, PBKDF2) since this node started: "
                        + "about one a minute per client credential in use; more means failed logins or many "
                        + "distinct credentials")
                .register(registry);
    }

    private static double lastSuccessSeconds(BackupStatus status) {
        return status.lastUpload() == null ? 0 : status.lastUpload().toEpochMilli() / 1000.0;
    }

    String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
