package io.halite.backup;

import java.time.Duration;

/**
 * How a node backs up.
 *
 * @param shipInterval how often committed entries are shipped (in sync mode: the longest wait between uploads)
 * @param sync acknowledge a write only once its entry is stored in the backup
 * @param baseInterval take a new base copy after this long
 * @param baseAfterLogBytes ... or once this many (compressed) log bytes were shipped since the last base
 * @param retention keep restorable points this far back
 * @param keepBases keep at least this many base copies, however old
 */
public record BackupSettings(Duration shipInterval, boolean sync, Duration baseInterval, long baseAfterLogBytes,
                             Duration retention, int keepBases) {
    public BackupSettings {
        if (shipInterval.isNegative() || shipInterval.isZero()) {
            throw new IllegalArgumentException("the backup interval must be positive");
        }
        if (keepBases < 1) {
            throw new IllegalArgumentException("at least one base copy must be kept");
        }
    }
}
