package io.halite.server.tls;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Looks at the certificate, key and CA files in use every {@link #EVERY} and reloads those that changed (see
 * {@link Reloadable}). Polling rather than a file watch: mounted secrets are replaced by swapping symbolic links,
 * which watches on the files themselves do not see, and a stat of a few files a second costs nothing.
 */
public final class CertificateReloader implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(1);

    private final List<Reloadable> watched = new CopyOnWriteArrayList<>();
    private final Thread thread;

    public CertificateReloader() {
        thread = new Thread(this::run, "halite-tls-reload");
        thread.setDaemon(true);
    }

    public void watch(ReloadingKeyManager keys) {
        watched.add(keys.reloadable());
    }

    public void watch(ReloadingTrustManager trust) {
        if (trust.reloadable() != null) {
            watched.add(trust.reloadable());
        }
    }

    public void start() {
        if (!watched.isEmpty()) {
            thread.start();
        }
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            watched.forEach(Reloadable::reloadIfChanged);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
