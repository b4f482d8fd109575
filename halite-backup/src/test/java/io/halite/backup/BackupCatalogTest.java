package io.halite.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.backup.target.DirectoryTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupCatalogTest {
    private static final String GENERATION = "20261123T101500Z-3fa2b19c";

    @TempDir
    Path dir;

    /** Entries {@code first..last}, of term 2 from index {@code newTermFrom} on, each stamped 1000 + its index. */
    private static Segment segment(long first, long last, long newTermFrom) {
        List<Segment.Record> records = new ArrayList<>();
        for (long i = first; i <= last; i++) {
            records.add(new Segment.Record(i, i >= newTermFrom ? 2 : 1, 1000 + i, new byte[] {(byte) i}));
        }
        return new Segment(first, last, records);
    }

    /**
     * A deposed leader shipped 1-4 and 5-8 while the new leader, which had read the catalog before either landed,
     * shipped 1-10 (9 and 10 of its own term). The chain ends at 10, in the new leader's segment: not in 5-8,
     * the segment with the highest first index at or before 10.
     */
    @Test
    void theChainEndsInTheSegmentThatHoldsItsLastEntry() throws Exception {
        try (DirectoryTarget target = new DirectoryTarget(dir)) {
            target.put(BackupLayout.baseData(GENERATION, 0), new byte[0]);
            target.put(BackupLayout.baseManifest(GENERATION, 0),
                    new BaseCopy.Manifest(1, GENERATION, 0, 1, 1000, 0, 0, "00").toJson());
            for (long[] range : new long[][] {{1, 4}, {5, 8}, {1, 10}}) {
                target.put(BackupLayout.segment(GENERATION, range[0], range[1]), segment(range[0], range[1], 9).encode());
            }

            BackupCatalog catalog = BackupCatalog.read(target);
            BackupCatalog.Generation g = catalog.newest().orElseThrow();
            assertThat(g.chainEnd(0)).isEqualTo(10);
            BackupCatalog.SegmentRef tail = g.chainTail(0).orElseThrow();
            assertThat(tail.name()).isEqualTo(BackupLayout.segment(GENERATION, 1, 10));
            Segment last = catalog.segment(tail);
            assertThat(last.lastTerm()).isEqualTo(2);
            assertThat(last.lastStampMillis()).isEqualTo(1010);
            assertThat(g.chainTail(10)).isEmpty();
        }
    }
}
