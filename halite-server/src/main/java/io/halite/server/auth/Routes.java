package io.halite.server.auth;

import java.util.Map;
import java.util.Set;

/**
 * The one table of what each endpoint needs. A request needs one of the listed permissions; where the answer
 * depends on the request's content, the API checks the rest once it has read it ({@link Caller#may}):
 * <ul>
 *   <li>{@code /db/request} needs {@code query} to read, {@code execute} to write;</li>
 *   <li>{@code /join} needs {@code join} to add a voter, {@code join-read-only} suffices for a non-voter;</li>
 *   <li>any request inside an interactive transaction ({@code tx=}) needs {@code execute}, as do
 *       {@code /db/tx...} themselves: a transaction holds the write lock.</li>
 * </ul>
 * {@code /livez} needs nothing, so that liveness probes work without credentials: it tells only that the process
 * answers. A path not in the table needs {@code all}: an endpoint added later is closed until it is listed. The
 * permission is the endpoint's whatever the method; a method the endpoint does not take gets 405 once the caller
 * is authorized.
 */
final class Routes {
    /** Needs nothing. */
    static final Set<Permission> OPEN = Set.of();
    private static final String TX_PATH = "/db/tx";
    /** The web console's static files; what it shows comes from the other endpoints, each with its own check. */
    private static final String CONSOLE_PATH = "/console";

    private static final Map<String, Set<Permission>> BY_PATH = Map.ofEntries(
            Map.entry("/db/execute", Set.of(Permission.EXECUTE)),
            Map.entry("/db/query", Set.of(Permission.QUERY)),
            Map.entry("/db/request", Set.of(Permission.QUERY, Permission.EXECUTE)),
            Map.entry("/db/load", Set.of(Permission.LOAD)),
            Map.entry("/db/backup", Set.of(Permission.BACKUP)),
            Map.entry("/db/checksum", Set.of(Permission.QUERY)),
            Map.entry("/status", Set.of(Permission.STATUS)),
            Map.entry("/nodes", Set.of(Permission.STATUS)),
            Map.entry("/backup/status", Set.of(Permission.STATUS)),
            Map.entry("/join", Set.of(Permission.JOIN_READ_ONLY)),
            Map.entry("/remove", Set.of(Permission.REMOVE)),
            Map.entry("/readyz", Set.of(Permission.READY)),
            Map.entry("/metrics", Set.of(Permission.METRICS)),
            Map.entry("/leader", Set.of(Permission.LEADER_OPS)),
            Map.entry("/livez", OPEN));

    private Routes() {}

    /**
     * What a request for {@code path} needs: any one of the returned permissions; none if it is open.
     *
     * @param inTransaction whether the request names an interactive transaction ({@code tx=})
     */
    static Set<Permission> required(String path, boolean inTransaction) {
        if (path.equals(TX_PATH) || path.startsWith(TX_PATH + "/")
                || inTransaction && (path.equals("/db/execute") || path.equals("/db/query")
                || path.equals("/db/request"))) {
            return Set.of(Permission.EXECUTE);
        }
        if (path.equals(CONSOLE_PATH) || path.startsWith(CONSOLE_PATH + "/")) {
            return Set.of(Permission.UI);
        }
        return BY_PATH.getOrDefault(path, Set.of(Permission.ALL));
    }
}
