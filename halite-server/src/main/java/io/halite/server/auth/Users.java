package io.halite.server.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The users of a users file, in rqlite's shape:
 * {@code [{"username": "app", "password_hash": "$2b$12$...", "perms": ["query", "execute"]}, ...]}. rqlite's plain
 * {@code password} is accepted in place of {@code password_hash}, with a warning. The user {@code "*"} has no
 * password: its permissions are granted to requests without credentials.
 *
 * @param users     by name
 * @param anonymous what requests without credentials may do
 * @param warnings  for the log: each user whose password is stored in plain text
 */
public record Users(Map<String, User> users, Set<Permission> anonymous, List<String> warnings) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANONYMOUS = "*";
    private static final Set<String> FIELDS = Set.of("username", "password", "password_hash", "perms");

    /** One user: name, stored password, permissions. */
    public record User(String name, PasswordHash password, Set<Permission> permissions) {}

    public Users {
        users = Map.copyOf(users);
        anonymous = anonymous.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(anonymous));
        warnings = List.copyOf(warnings);
    }

    /**
     * Parses a users file's content.
     *
     * @throws IllegalArgumentException saying what is wrong and in which entry (never repeating a password)
     */
    public static Users parse(byte[] content) {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("must be a JSON array of users: [{\"username\": ..., "
                    + "\"password_hash\": ..., \"perms\": [...]}, ...]");
        }
        Map<String, User> users = new LinkedHashMap<>();
        Set<Permission> anonymous = null;
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode entry = root.get(i);
            String where = "entry " + (i + 1);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(where + " is not a JSON object");
            }
            for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException(where + " has an unknown field '" + field + "'; fields: "
                            + "username, password_hash (or rqlite's plain password), perms");
                }
            }
            JsonNode nameNode = entry.get("username");
            if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isEmpty()) {
                throw new IllegalArgumentException(where + " has no username");
            }
            String name = nameNode.asText();
            if (name.indexOf(':') >= 0 || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(where + ": a username cannot hold ':' or control characters "
                        + "(Basic authentication could not send it)");
            }
            where += " (user '" + name + "')";
            Set<Permission> permissions = permissions(entry.get("perms"), where);
            JsonNode hash = entry.get("password_hash");
            JsonNode plain = entry.get("password");
            if (name.equals(ANONYMOUS)) {
                if (hash != null || plain != null) {
                    throw new IllegalArgumentException(where + ": the anonymous user '*' has no password");
                }
                if (anonymous != null) {
                    throw new IllegalArgumentException(where + " appears twice");
                }
                anonymous = permissions;
                continue;
            }
            if ((hash == null) == (plain == null)) {
                throw new IllegalArgumentException(where + " needs exactly one of password_hash and password");
            }
            PasswordHash password;
            if (hash != null) {
                if (!hash.isTextual()) {
                    throw new IllegalArgumentException(where + ": password_hash must be a string");
                }
                try {
                    password = PasswordHash.parse(hash.asText());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ": " + e.getMessage());
                }
            } else {
                if (!plain.isTextual() || plain.asText().isEmpty()) {
                    throw new IllegalArgumentException(where + ": password must be a non-empty string");
                }
                password = PasswordHash.plain(plain.asText());
                warnings.add("user '" + name + "' has a plain-text password in the users file; replace it with a "
                        + "password_hash from 'halite passwd'");
            }
            if (users.put(name, new User(name, password, permissions)) != null) {
                throw new IllegalArgumentException(where + " appears twice");
            }
        }
        return new Users(users, anonymous == null ? Set.of() : anonymous, warnings);
    }

    private static Set<Permission> permissions(JsonNode perms, String where) {
        if (perms == null || !perms.isArray()) {
            throw new IllegalArgumentException(where + " needs perms: a list of permission names");
        }
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        for (JsonNode p : perms) {
            if (!p.isTextual()) {
                throw new IllegalArgumentException(where + ": perms must hold permission names");
            }
            try {
                permissions.add(Permission.named(p.asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }
        return permissions;
    }
}
