package io.halite.backup;

import io.halite.backup.BackupCatalog.RestorePoint;
import io.halite.core.engine.LogPosition;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.log.EntryApplier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a database from a backup: the base copy, then every log entry after it up to the point asked for,
 * applied exactly as the replicas applied them (same pinned times and seeds, so the same results). The work
 * happens in a temporary file that replaces the target only once everything was read and verified.
 */
public final class Restorer {
    private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);
    private static final int ENTRIES_PER_TRANSACTION = 256;

    private Restorer() {
    }

    /** What was restored: the generation and base used, and the last entry applied. */
    public record Result(String generation, long baseIndex, long index, long term, long timeMillis,
                         int segments, long entries) {}

    /**
     * Restores into {@code databaseFile}, which must not exist yet.
     *
     * @throws BackupCatalog.NoBackupException if the target holds no base for the point
     * @throws IOException naming the object if one is missing or damaged; nothing is written then
     */
    public static Result restore(BackupCatalog catalog, RestorePoint point, Path databaseFile,
                                 SqliteDatabase.Options options) throws IOException {
        if (Files.exists(databaseFile)) {
            throw new IOException("refusing to restore over the existing database " + databaseFile);
        }
        BackupCatalog.Plan plan = catalog.plan(point);
        BaseCopy.Manifest base = plan.base();
        Files.createDirectories(databaseFile.toAbsolutePath().getParent());
        Path work = databaseFile.resolveSibling(databaseFile.getFileName() + ".restoring");
        deleteWorkFiles(work);
        try {
            String baseName = BackupLayout.baseData(plan.generation().id(), base.index());
            try (InputStream in = catalog.open(baseName)) {
                BaseCopy.decompress(baseName, in, base, work);
            }
            try {
                SqliteDatabase.checkImage(work);
                SqliteDatabase.adoptImage(work, new LogPosition.Point(base.index(), base.term()));
            } catch (SQLException e) {
                throw new DamagedObjectException(baseName, e.getMessage());
            }
            Result result = replay(catalog, plan, point, work, options);
            SqliteDatabase.moveFiles(work, databaseFile);
            return result;
        } finally {
            deleteWorkFiles(work);
        }
    }

    private static Result replay(BackupCatalog catalog, BackupCatalog.Plan plan, RestorePoint point, Path work,
                                 SqliteDatabase.Options options) throws IOException {
        BaseCopy.Manifest base = plan.base();
        long index = base.index();
        long term = base.term();
        long time = base.timeMillis();
        long applied = 0;
        int segments = 0;
        try (SqliteDatabase db = SqliteDatabase.open(work, options)) {
            reading:
            for (BackupCatalog.SegmentRef ref : plan.segments()) {
                Segment segment = catalog.segment(ref);
                segments++;
                for (Segment.Record record : segment.records()) {
                    if (record.index() <= db.appliedIndex()) {
                        continue;
                    }
                    if (!point.includes(record)) {
                        break reading;
                    }
                    EntryApplier.apply(db, record.index(), record.term(), record.data());
                    index = record.index();
                    term = record.term();
                    time = record.stampMillis();
                    if (++applied % ENTRIES_PER_TRANSACTION == 0) {
                        db.commit();
                    }
                }
            }
            db.commit();
            db.syncDurable();
        } catch (SQLException e) {
            throw new IOException("replaying the backup's log failed at index " + (index + 1) + ": " + e.getMessage(), e);
        }
        LOG.info("restored generation {} from the base at index {} plus {} entries from {} segments: index {}",
                plan.generation().id(), base.index(), applied, segments, index);
        return new Result(plan.generation().id(), base.index(), index, term, time, segments, applied);
    }

    private static void deleteWorkFiles(Path work) throws IOException {
        SqliteDatabase.deleteFiles(work);
    }
}
