package io.halite.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UsersTest {
    private static final String HASH = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    private static Users parse(String json) {
        return Users.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsRqlitesShapeWithHashesPlainPasswordsAndTheAnonymousUser() {
        Users users = parse("[{\"username\": \"app\", \"password_hash\": \"" + HASH + "\", \"perms\": [\"query\", "
                + "\"join-read-only\"]}, {\"username\": \"old\", \"password\": \"pw\", \"perms\": [\"all\"]}, "
                + "{\"username\": \"*\", \"perms\": [\"ready\"]}]");
        assertThat(users.users().get("app").permissions()).isEqualTo(Set.of(Permission.QUERY, Permission.JOIN_READ_ONLY));
        assertThat(users.users().get("app").password().matches("U*U".toCharArray())).isTrue();
        assertThat(users.users().get("old").password().matches("pw".toCharArray())).isTrue();
        assertThat(users.anonymous()).containsExactly(Permission.READY);
        assertThat(users.warnings()).containsExactly("user 'old' has a plain-text password in the users file; "
                + "replace it with a password_hash from 'halite passwd'");
        assertThat(users.toString()).doesNotContain("pw\"").doesNotContain(HASH);
    }

    @Test
    void badFilesAreRefusedNamingTheEntryAndTheProblem() {
        String user = "{\"username\": \"a\", \"password_hash\": \"" + HASH + "\", \"perms\": [\"query\"]}";
        assertThatThrownBy(() -> parse("[" + user + ", " + user + "]")).hasMessage("entry 2 (user 'a') appears twice");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\", \"perms\": []}]"))
                .hasMessage("entry 1 (user 'a') needs exactly one of password_hash and password");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\", \"password\": \"p\", \"password_hash\": \"" + HASH
                + "\", \"perms\": []}]")).hasMessage("entry 1 (user 'a') needs exactly one of password_hash and password");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\", \"password\": \"p\"}]"))
                .hasMessage("entry 1 (user 'a') needs perms: a list of permission names");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\", \"password\": \"p\", \"perms\": [\"Query\"]}]"))
                .hasMessageStartingWith("entry 1 (user 'a'): unknown permission 'Query'; valid permissions: all,");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\", \"pasword\": \"p\", \"perms\": []}]"))
                .hasMessageStartingWith("entry 1 has an unknown field 'pasword'");
        assertThatThrownBy(() -> parse("[{\"username\": \"*\", \"password\": \"p\", \"perms\": []}]"))
                .hasMessage("entry 1 (user '*'): the anonymous user '*' has no password");
        assertThatThrownBy(() -> parse("[{\"username\": \"a:b\", \"password\": \"p\", \"perms\": []}]"))
                .hasMessageStartingWith("entry 1: a username cannot hold ':'");
        assertThatThrownBy(() -> parse("[1]")).hasMessage("entry 1 is not a JSON object");
        assertThatThrownBy(() -> parse("[{\"username\": \"a\",")).hasMessageStartingWith("not valid JSON (line 1");
        assertThatThrownBy(() -> parse("")).hasMessageStartingWith("must be a JSON array of users");
    }
}
