package io.halite.backup;

import io.halite.backup.target.BackupTarget;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what no kept restore point needs. In the current generation, the newest {@code keepBases} bases and
 * every base within the retention window are kept, with every segment after the oldest kept base; older bases
 * and the segments only they need go. An older generation goes once everything in it is older than the window.
 * Nothing the newest chain needs is ever deleted: its base is always kept, and so is every segment after it.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private Retention() {
    }

    /** What a pass deleted, and the oldest restorable point it kept in the current generation. */
    public record Outcome(long deletedBytes, int deletedObjects, BackupStatus.Point oldestKept) {}

    public static Outcome apply(BackupTarget target, String currentGeneration, BackupSettings settings, Instant now)
            throws IOException {
        BackupCatalog catalog = BackupCatalog.read(target);
        Instant horizon = now.minus(settings.retention());
        List<String> doomed = new ArrayList<>();
        long bytes = 0;
        BackupStatus.Point oldestKept = null;
        for (BackupCatalog.Generation g : catalog.generations()) {
            if (g.id().equals(currentGeneration)) {
                NavigableMap<Long, Long> bases = g.bases();
                if (bases.isEmpty()) {
                    continue;
                }
                List<Long> newestFirst = new ArrayList<>(bases.descendingKeySet());
                long oldestKeptIndex = newestFirst.get(0);
                for (int i = 0; i < newestFirst.size(); i++) {
                    long index = newestFirst.get(i);
                    BaseCopy.Manifest m = catalog.manifest(g, index);
                    if (i < settings.keepBases() || !Instant.ofEpochMilli(m.timeMillis()).isBefore(horizon)) {
                        oldestKeptIndex = index;
                        oldestKept = new BackupStatus.Point(index, Instant.ofEpochMilli(m.timeMillis()));
                    }
                }
                for (Map.Entry<Long, Long> base : bases.entrySet()) {
                    if (base.getKey() < oldestKeptIndex) {
                        // The manifest first: a base without one is incomplete, never a restore point.
                        doomed.add(BackupLayout.baseManifest(g.id(), base.getKey()));
                        doomed.add(BackupLayout.baseData(g.id(), base.getKey()));
                        bytes += base.getValue();
                    }
                }
                for (long index : g.incompleteBases()) {
                    if (index < bases.lastKey()) {
                        doomed.add(BackupLayout.baseData(g.id(), index));
                    }
                }
                for (BackupCatalog.SegmentRef s : g.segments().values()) {
                    if (s.last() <= oldestKeptIndex) {
                        doomed.add(s.name());
                        bytes += s.size();
                    }
                }
            } else if (g.id().compareTo(currentGeneration) < 0 && endsBefore(catalog, g, horizon)) {
                for (BackupTarget.StoredObject o : target.list(g.id() + "/")) {
                    doomed.add(o.name());
                    bytes += o.size();
                }
            }
        }
        // Manifests before data, older first, so an interrupted pass leaves only incomplete leftovers.
        doomed.sort((a, b) -> Boolean.compare(!a.endsWith(".json"), !b.endsWith(".json")));
        for (String name : doomed) {
            target.delete(name);
        }
        if (!doomed.isEmpty()) {
            LOG.info("backup retention: deleted {} objects ({} bytes) no kept restore point needs", doomed.size(), bytes);
        }
        return new Outcome(bytes, doomed.size(), oldestKept);
    }

    /** Whether every restore point of an older generation is older than the horizon. */
    private static boolean endsBefore(BackupCatalog catalog, BackupCatalog.Generation g, Instant horizon)
            throws IOException {
        var last = g.lastSegment();
        if (last.isPresent()) {
            return Instant.ofEpochMilli(catalog.segment(last.get()).lastStampMillis()).isBefore(horizon);
        }
        for (long index : g.bases().keySet()) {
            if (!Instant.ofEpochMilli(catalog.manifest(g, index).timeMillis()).isBefore(horizon)) {
                return false;
            }
        }
        return true;
    }
}
