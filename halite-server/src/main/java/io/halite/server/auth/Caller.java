package io.halite.server.auth;

import java.util.Set;
import org.eclipse.jetty.server.Request;

/**
 * Who sent a request, as authentication established it, and what they may do. The API asks it for the checks
 * that depend on a request's content (a {@code /db/request} that writes, a join as a voter).
 *
 * @param user        the authenticated user name; {@code "*"} for a request without credentials; empty when the
 *                    node runs without {@code --auth}
 * @param permissions what the user may do
 */
public record Caller(String user, Set<Permission> permissions) {
    private static final String ATTRIBUTE = Caller.class.getName();
    /** Every request when authentication is off. */
    static final Caller UNRESTRICTED = new Caller("", Set.of(Permission.ALL));

    public Caller {
        permissions = Set.copyOf(permissions);
    }

    /** The caller that {@link AuthHandler} attached to {@code request}; unrestricted if authentication is off. */
    public static Caller of(Request request) {
        return request.getAttribute(ATTRIBUTE) instanceof Caller c ? c : UNRESTRICTED;
    }

    void attachTo(Request request) {
        request.setAttribute(ATTRIBUTE, this);
    }

    /** Whether the caller holds {@code permission} (or {@code all}; {@code join} includes {@code join-read-only}). */
    public boolean may(Permission permission) {
        return permissions.contains(Permission.ALL) || permissions.contains(permission)
                || permission == Permission.JOIN_READ_ONLY && permissions.contains(Permission.JOIN);
    }

    /** Whether the caller holds any of {@code choices}. */
    boolean mayAny(Set<Permission> choices) {
        for (Permission choice : choices) {
            if (may(choice)) {
                return true;
            }
        }
        return false;
    }

    /** For the 403 message: who lacks what ({@code needed}: any one of these would do). */
    public String refusal(Set<Permission> needed) {
        return (user.equals("*") ? "requests without credentials lack" : "user '" + user + "' lacks")
                + " the " + needed.stream().sorted().map(p -> "'" + p.fileName() + "'")
                        .collect(java.util.stream.Collectors.joining(" or ")) + " permission";
    }
}
