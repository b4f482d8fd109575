package io.halite.backup;

import io.halite.backup.target.BackupTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** What a backup target holds, read from its object listing: generations, their bases and log segments. */
public final class BackupCatalog {
    private final BackupTarget target;
    private final NavigableMap<String, Generation> generations = new TreeMap<>();

    private BackupCatalog(BackupTarget target) {
        this.target = target;
    }

    public static BackupCatalog read(BackupTarget target) throws IOException {
        BackupCatalog catalog = new BackupCatalog(target);
        for (BackupTarget.StoredObject object : target.list("")) {
            BackupLayout.parse(object.name()).ifPresent(parsed -> catalog.generations
                    .computeIfAbsent(parsed.generation(), Generation::new).add(parsed, object));
        }
        return catalog;
    }

    /** Generations, oldest first. */
    public List<Generation> generations() {
        return List.copyOf(generations.values());
    }

    /** The newest generation that has a complete base, if any. */
    public Optional<Generation> newest() {
        return generations.descendingMap().values().stream().filter(g -> !g.bases().isEmpty()).findFirst();
    }

    public BaseCopy.Manifest manifest(Generation generation, long baseIndex) throws IOException {
        String name = BackupLayout.baseManifest(generation.id(), baseIndex);
        try (InputStream in = open(name)) {
            return BaseCopy.Manifest.fromJson(name, in);
        }
    }

    /**
     * Where the chain from a base ends: its last entry's index, term and pinned time, and the entry itself as the
     * log holds it (null when the chain ends with the base).
     */
    public record ChainEnd(long index, long term, long timeMillis, byte[] entry) {}

    /** Reads the end of the chain from {@code base} (the base itself if no segment follows it). */
    public ChainEnd chainEnd(Generation generation, BaseCopy.Manifest base) throws IOException {
        Optional<SegmentRef> tail = generation.chainTail(base.index());
        if (tail.isEmpty()) {
            return new ChainEnd(base.index(), base.term(), base.timeMillis(), null);
        }
        Segment last = segment(tail.get());
        return new ChainEnd(last.last(), last.lastTerm(), last.lastStampMillis(),
                last.records().get(last.records().size() - 1).data());
    }

    public Segment segment(SegmentRef ref) throws IOException {
        try (InputStream in = open(ref.name())) {
            return Segment.decode(ref.name(), in, ref.first(), ref.last());
        }
    }

    public InputStream open(String name) throws IOException {
        try {
            return target.open(name);
        } catch (NoSuchFileException e) {
            throw new MissingObjectException("backup object " + name + " is missing from " + target.describe());
        }
    }

    /**
     * What a restore to {@code point} reads: the newest generation and base at or before the point, and the
     * segments that follow the base without a gap.
     *
     * @throws BrokenChainException if the entries needed for the point are not all there (naming what is missing)
     */
    public Plan plan(RestorePoint point) throws IOException {
        for (Generation generation : generations.descendingMap().values()) {
            for (Long baseIndex : generation.bases().descendingKeySet()) {
                if (point.index() != null && baseIndex > point.index()) {
                    continue;
                }
                BaseCopy.Manifest manifest = manifest(generation, baseIndex);
                if (point.time() != null && manifest.timeMillis() > point.time().toEpochMilli()) {
                    continue;
                }
                return new Plan(generation, manifest, generation.chainFrom(baseIndex, point));
            }
        }
        throw new NoBackupException(point.isLatest()
                ? "no complete base copy in " + target.describe()
                : "no base copy in " + target.describe() + " is as old as " + point);
    }

    /** The objects a restore reads. */
    public record Plan(Generation generation, BaseCopy.Manifest base, List<SegmentRef> segments) {}

    public record SegmentRef(String name, long first, long last, long size) {}

    /** One line of history: its bases (by index, complete ones only) and segments (by first index). */
    public static final class Generation {
        private final String id;
        private final NavigableMap<Long, Long> baseData = new TreeMap<>();
        private final NavigableMap<Long, Long> baseManifests = new TreeMap<>();
        private final NavigableMap<Long, SegmentRef> segments = new TreeMap<>();
        private long storedBytes;

        Generation(String id) {
            this.id = id;
        }

        void add(BackupLayout.Parsed parsed, BackupTarget.StoredObject object) {
            storedBytes += object.size();
            switch (parsed.kind()) {
                case BASE_DATA -> baseData.put(parsed.first(), object.size());
                case BASE_MANIFEST -> baseManifests.put(parsed.first(), object.size());
                case SEGMENT -> segments.merge(parsed.first(),
                        new SegmentRef(object.name(), parsed.first(), parsed.last(), object.size()),
                        (a, b) -> a.last() >= b.last() ? a : b);
            }
        }

        public String id() {
            return id;
        }

        /** Indexes of complete bases (manifest stored) and the stored size of each base object. */
        public NavigableMap<Long, Long> bases() {
            NavigableMap<Long, Long> complete = new TreeMap<>();
            for (Map.Entry<Long, Long> m : baseManifests.entrySet()) {
                complete.put(m.getKey(), baseData.getOrDefault(m.getKey(), 0L));
            }
            return complete;
        }

        /** Base data objects without a manifest: an upload that did not finish. */
        public List<Long> incompleteBases() {
            return baseData.keySet().stream().filter(i -> !baseManifests.containsKey(i)).toList();
        }

        public NavigableMap<Long, SegmentRef> segments() {
            return segments;
        }

        public long storedBytes() {
            return storedBytes;
        }

        /** The last segment, if any. */
        public Optional<SegmentRef> lastSegment() {
            return Optional.ofNullable(segments.lastEntry()).map(Map.Entry::getValue);
        }

        /** The last index restorable from {@code baseIndex}: the end of the segments that follow it without a gap. */
        public long chainEnd(long baseIndex) {
            List<SegmentRef> chain = new ArrayList<>();
            return walk(baseIndex, Long.MAX_VALUE, chain);
        }

        /**
         * The segment holding the last entry of the chain from {@code baseIndex} (the one that ends at
         * {@link #chainEnd}), if the chain has any. Not simply the segment with the highest first index at or before
         * the end: a deposed leader's shorter segment may start inside a longer one that the new leader stored.
         */
        public Optional<SegmentRef> chainTail(long baseIndex) {
            List<SegmentRef> chain = new ArrayList<>();
            walk(baseIndex, Long.MAX_VALUE, chain);
            return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(chain.size() - 1));
        }

        /**
         * Collects, in order, the segments that extend the chain from {@code baseIndex} up to {@code upTo}, and
         * returns where the chain ends. Segments may overlap (a deposed leader may still have shipped entries the
         * new one ships again; both hold the same committed entries): each one is used only if it reaches further.
         */
        private long walk(long baseIndex, long upTo, List<SegmentRef> chain) {
            long end = baseIndex;
            for (SegmentRef segment : segments.values()) {
                if (end >= upTo || segment.first() > end + 1) {
                    break;
                }
                if (segment.last() > end) {
                    chain.add(segment);
                    end = segment.last();
                }
            }
            return end;
        }

        List<SegmentRef> chainFrom(long baseIndex, RestorePoint point) throws BrokenChainException {
            List<SegmentRef> chain = new ArrayList<>();
            long end = walk(baseIndex, point.index() == null ? Long.MAX_VALUE : point.index(), chain);
            Map.Entry<Long, SegmentRef> beyond = segments.higherEntry(end + 1);
            boolean pointBeyondEnd = point.index() == null || point.index() > end;
            if (beyond != null && pointBeyondEnd) {
                throw new BrokenChainException("the backup chain of generation " + id + " is broken: entries "
                        + (end + 1) + " to " + (beyond.getKey() - 1) + " are missing (expected an object named "
                        + BackupLayout.segment(id, end + 1, beyond.getKey() - 1) + " or one starting at or before "
                        + "index " + (end + 1) + "), while " + beyond.getValue().name() + " follows");
            }
            if (point.index() != null && point.index() > end) {
                throw new BrokenChainException("the backup ends at index " + end + ", before index " + point.index());
            }
            return chain;
        }
    }

    /** A restore cannot reach the point asked for: objects are missing. */
    public static final class BrokenChainException extends IOException {
        BrokenChainException(String message) {
            super(message);
        }
    }

    /** An object the catalog lists (or a manifest names) is not there when read. */
    public static final class MissingObjectException extends IOException {
        MissingObjectException(String message) {
            super(message);
        }
    }

    /** The target holds nothing to restore from (for the point asked). */
    public static final class NoBackupException extends IOException {
        NoBackupException(String message) {
            super(message);
        }
    }

    /** Where a restore stops: the latest entry, an index, or the last entry pinned at or before a time. */
    public record RestorePoint(Long index, Instant time) {
        public static RestorePoint latest() {
            return new RestorePoint(null, null);
        }

        public boolean isLatest() {
            return index == null && time == null;
        }

        public boolean includes(Segment.Record record) {
            return (index == null || record.index() <= index)
                    && (time == null || record.stampMillis() <= time.toEpochMilli());
        }

        @Override
        public String toString() {
            return index != null ? "index " + index : time != null ? time.toString() : "the latest entry";
        }
    }
}
