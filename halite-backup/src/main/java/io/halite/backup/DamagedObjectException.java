package io.halite.backup;

import java.io.IOException;

/** A backup object exists but does not hold what it should: restore refuses to go on. */
public final class DamagedObjectException extends IOException {
    public DamagedObjectException(String object, String problem) {
        super("backup object " + object + " is damaged: " + problem);
    }
}
