package io.halite.server.cli;

import io.halite.backup.BackupCatalog;
import io.halite.backup.BaseCopy;
import io.halite.backup.target.BackupTarget;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite backup list}: what a backup holds and which points it can restore. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Inspects backups.", subcommands = BackupCommand.ListCommand.class)
public final class BackupCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
            defaultValueProvider = EnvironmentOptions.class,
            description = "Lists the base copies in a backup and the range of log indexes and times each can restore to.")
    static final class ListCommand implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "URL", description = "The backup: file:///path, s3://bucket/prefix or az://account/container/prefix.")
        URI from;

        @CommandLine.Mixin
        BackupStorageOptions storage;

        @Override
        public Integer call() {
            try (BackupTarget target = storage.open(from)) {
                BackupCatalog catalog = BackupCatalog.read(target);
                if (catalog.generations().isEmpty()) {
                    System.out.println("no backups in " + target.describe());
                    return 0;
                }
                System.out.printf("%-26s %20s %-24s %20s %-24s %14s%n", "GENERATION", "BASE INDEX", "BASE TIME",
                        "RESTORABLE TO INDEX", "RESTORABLE TO TIME", "BASE BYTES");
                for (BackupCatalog.Generation g : catalog.generations()) {
                    for (Map.Entry<Long, Long> base : g.bases().entrySet()) {
                        BaseCopy.Manifest m = catalog.manifest(g, base.getKey());
                        BackupCatalog.ChainEnd end = catalog.chainEnd(g, m);
                        System.out.printf("%-26s %20d %-24s %20d %-24s %14d%n", g.id(), base.getKey(),
                                Instant.ofEpochMilli(m.timeMillis()), end.index(), Instant.ofEpochMilli(end.timeMillis()),
                                base.getValue());
                    }
                }
                return 0;
            } catch (IllegalArgumentException | IOException e) {
                System.err.println("halite backup list: " + e.getMessage());
                return 1;
            }
        }
    }
}
