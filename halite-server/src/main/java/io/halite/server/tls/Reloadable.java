package io.halite.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS material read from files that are replaced while the node runs (cert-manager and similar rotate them). Each
 * {@link CertificateReloader} round compares the files' modification times and sizes with those of the material in
 * force; once a change has held still for one round (so that a certificate and its key written one after the other
 * are read together), the files are read again. A replacement that cannot be used keeps the material in force, and
 * says why, once per change.
 */
abstract class Reloadable {
    private static final Logger LOG = LoggerFactory.getLogger(Reloadable.class);

    private final String what;
    private final List<Path> files;
    private List<String> loaded;
    private List<String> seen;
    private List<String> refused;

    /**
     * @param what  what the material is for, in log lines ("the HTTPS certificate (--http-cert, --http-key)")
     * @param files the files it is read from
     */
    Reloadable(String what, List<Path> files) {
        this.what = what;
        this.files = List.copyOf(files);
        this.loaded = stamps();
        this.seen = loaded;
    }

    /** Reads the files again and puts the new material in force; throws, changing nothing, if it cannot be used. */
    abstract void load() throws TlsFileException;

    final synchronized void reloadIfChanged() {
        List<String> now = stamps();
        boolean settled = now.equals(seen);
        seen = now;
        if (!settled || now.equals(loaded) || now.equals(refused)) {
            return;
        }
        try {
            load();
            loaded = now;
            refused = null;
            LOG.info("reloaded {} from {}", what, files);
        } catch (TlsFileException e) {
            refused = now;
            LOG.warn("{} changed but cannot be used, so the previous one stays in force: {}", what, e.getMessage());
        }
    }

    private List<String> stamps() {
        List<String> stamps = new ArrayList<>();
        for (Path file : files) {
            try {
                stamps.add(Files.getLastModifiedTime(file).toMillis() + "/" + Files.size(file));
            } catch (IOException e) {
                stamps.add("missing");
            }
        }
        return stamps;
    }
}
