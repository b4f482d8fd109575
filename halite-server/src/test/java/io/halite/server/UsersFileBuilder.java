package io.halite.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.auth.PasswordHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes users files for tests; hashes use bcrypt's lowest cost so that tests stay quick. */
final class UsersFileBuilder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Map<String, Object>> entries = new ArrayList<>();

    UsersFileBuilder user(String name, String password, String... perms) {
        return hashed(name, hashOf(password), perms);
    }

    /** A bcrypt hash of {@code password}, at the lowest cost. */
    String hashOf(String password) {
        return PasswordHash.bcrypt(password.toCharArray(), 4);
    }

    UsersFileBuilder hashed(String name, String hash, String... perms) {
        return entry(name, "password_hash", hash, perms);
    }

    /** A user with rqlite's plain-text password. */
    UsersFileBuilder plain(String name, String password, String... perms) {
        return entry(name, "password", password, perms);
    }

    private UsersFileBuilder entry(String name, String passwordField, String password, String... perms) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("username", name);
        entry.put(passwordField, password);
        entry.put("perms", List.of(perms));
        entries.add(entry);
        return this;
    }

    UsersFileBuilder anonymous(String... perms) {
        entries.add(Map.of("username", "*", "perms", List.of(perms)));
        return this;
    }

    /** Writes the file through a temporary file and a rename, as a secret mount or an editor would. */
    Path writeTo(Path file) {
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entries));
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
