package io.halite.server.auth;

import io.halite.core.node.ForwardedUserCheck;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The leader's check of a user a follower names with a forwarded request: against the users file in force here,
 * with the permission the follower's API required ({@code execute} to write, {@code query} for a read through the
 * log). A follower whose users file is out of date cannot act for a user this node no longer allows.
 */
public final class LeaderUserCheck implements ForwardedUserCheck {
    private final Supplier<Users> users;

    public LeaderUserCheck(Supplier<Users> users) {
        this.users = users;
    }

    @Override
    public String refusal(String user, boolean writes) {
        Users current = users.get();
        Set<Permission> permissions;
        if (user.equals("*")) {
            permissions = current.anonymous();
        } else {
            Users.User known = current.users().get(user);
            if (known == null) {
                return "user '" + user + "' is not in the users file here";
            }
            permissions = known.permissions();
        }
        Permission needed = writes ? Permission.EXECUTE : Permission.QUERY;
        Caller caller = new Caller(user, permissions);
        return caller.may(needed) ? null : caller.refusal(Set.of(needed));
    }
}
