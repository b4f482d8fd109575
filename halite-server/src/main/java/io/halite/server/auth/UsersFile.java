package io.halite.server.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users file given with {@code --auth}, kept current: read again on SIGHUP and whenever its content changes
 * (checked every {@link #POLL_EVERY}; a mounted Kubernetes secret changes by a symlink swap that a file watcher can
 * miss, and reading a small file is cheap). A file that does not parse leaves the users in force and says why.
 */
public final class UsersFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsersFile.class);
    static final Duration POLL_EVERY = Duration.ofSeconds(1);

    private final Path path;
    private volatile Users users;
    private byte[] digest;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halite-users-file");
        t.setDaemon(true);
        return t;
    });

    private UsersFile(Path path, Users users, byte[] digest) {
        this.path = path;
        this.users = users;
        this.digest = digest;
    }

    /** A users file that could not be used, with a message naming the file and the problem. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads {@code path} and starts watching it.
     *
     * @throws Invalid if it cannot be read or is not a valid users file
     */
    public static UsersFile open(Path path) throws Invalid {
        byte[] content = read(path);
        UsersFile file = new UsersFile(path, parse(path, content), sha256(content));
        file.users.warnings().forEach(LOG::warn);
        LOG.info("authentication on: {} users from {}{}", file.users.users().size(), path,
                file.users.anonymous().isEmpty() ? "" : "; requests without credentials may "
                        + file.users.anonymous().stream().map(Permission::fileName).toList());
        file.poller.scheduleWithFixedDelay(() -> file.reload(false), POLL_EVERY.toMillis(), POLL_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        return file;
    }

    /** The users in force. */
    public Users users() {
        return users;
    }

    public Path path() {
        return path;
    }

    /** Reads the file again now (on SIGHUP), even if its content looks unchanged. */
    public void reloadNow() {
        poller.execute(() -> reload(true));
    }

    private void reload(boolean asked) {
        try {
            byte[] content = read(path);
            byte[] newDigest = sha256(content);
            if (!asked && MessageDigest.isEqual(newDigest, digest)) {
                return;
            }
            digest = newDigest;
            Users loaded = parse(path, content);
            users = loaded;
            loaded.warnings().forEach(LOG::warn);
            LOG.info("reloaded the users file {}: {} users", path, loaded.users().size());
        } catch (Invalid e) {
            LOG.error("{}; the users loaded before stay in force", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("cannot reload the users file {}; the users loaded before stay in force", path, e);
        }
    }

    private static byte[] read(Path path) throws Invalid {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new Invalid("cannot read the users file " + path + ": " + describe(e));
        }
    }

    private static Users parse(Path path, byte[] content) throws Invalid {
        try {
            return Users.parse(content);
        } catch (IllegalArgumentException e) {
            throw new Invalid("the users file " + path + " is invalid: " + e.getMessage());
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java 17 runtime", e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
