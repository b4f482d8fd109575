package io.halite.core.node;

import io.halite.core.raft.SqliteStateMachine;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Fetches a consistent copy of another member's database: how a follower catches up once the leader has purged the
 * log it lacks. The server fetches it from the member's API; core knows nothing of how.
 */
@FunctionalInterface
public interface ReplicaFetcher {
    /** For a node that never catches up from a copy (no member tells an API). */
    ReplicaFetcher NONE = (apiAddress, directory) -> {
        throw new IOException("this node cannot fetch a copy of another member's database");
    };

    /**
     * Copies the database of the member whose API is at {@code apiAddress} into a new file in {@code directory}, with
     * the log position it holds and its cluster identity.
     *
     * @throws Exception if it could not; no file is left behind (the leader asks again later)
     */
    SqliteStateMachine.Replica fetch(String apiAddress, Path directory) throws Exception;
}
