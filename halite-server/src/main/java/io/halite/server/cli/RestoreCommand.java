package io.halite.server.cli;

import io.halite.backup.BackupCatalog;
import io.halite.backup.Restorer;
import io.halite.backup.target.BackupTarget;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.HaliteNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite restore}: rebuilds a node's data directory from a backup, to the latest point or an earlier one. */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = EnvironmentOptions.class,
        description = {
            "Rebuilds a data directory from a backup: the newest base copy at or before the point, then every logged write after it up to the point, replayed exactly (same pinned times and random seeds).",
            "",
            "Every object read is checked against its checksum; a missing or damaged object stops the restore with its name, and nothing is written.",
            "Then start the node on it: 'halite serve --data-dir DIR' (a single node, which other nodes can --join).",
            ""
        })
public final class RestoreCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "URL", description = "The backup: file:///path, s3://bucket/prefix or az://account/container/prefix.")
    URI from;

    @Option(names = "--data-dir", required = true, description = "The data directory to create; it must not hold a database yet.")
    Path dataDir;

    @Option(names = "--to-time", paramLabel = "TIME", description = "Restore the state as of this time, e.g. 2026-11-23T10:15:00Z: every write stamped at or before it.")
    String toTime;

    @Option(names = "--to-index", paramLabel = "N", description = "Restore the state after log index N.")
    Long toIndex;

    @Option(names = "--foreign-keys", description = "Replay with foreign key enforcement, as the cluster ran with --foreign-keys.")
    boolean foreignKeys;

    @CommandLine.Mixin
    BackupStorageOptions storage;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (toTime != null && toIndex != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --to-time or --to-index, not both");
        }
        Instant time = null;
        if (toTime != null) {
            try {
                time = Instant.parse(toTime);
            } catch (DateTimeParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--to-time takes a UTC time such as 2026-11-23T10:15:00Z, not '" + toTime + "'");
            }
        }
        Path data = dataDir.toAbsolutePath();
        if (HaliteNode.holdsData(data)) {
            System.err.println("halite restore: " + data + " already holds a node's data; restore into a new directory");
            return 1;
        }
        BackupCatalog.RestorePoint point = new BackupCatalog.RestorePoint(toIndex, time);
        try (BackupTarget target = storage.open(from)) {
            Restorer.Result r = Restorer.restore(BackupCatalog.read(target), point, HaliteNode.databaseFile(data),
                    new SqliteDatabase.Options(1, foreignKeys, SqliteDatabase.Options.DEFAULT_STATEMENT_BUDGET));
            System.out.println("restored " + data + " to index " + r.index() + " (written " + Instant.ofEpochMilli(r.timeMillis())
                    + ") from generation " + r.generation() + ": base at index " + r.baseIndex() + " plus "
                    + r.entries() + " logged writes from " + r.segments() + " segments");
            return 0;
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("halite restore: " + e.getMessage());
            return 1;
        }
    }
}
