package io.halite.server.cli;

import io.halite.server.auth.Login;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * {@code --user} and {@code --password-file} for commands that call a node's API ({@code bench}, {@code remove},
 * {@code shell}) when it runs with {@code --auth}; unset, they come from {@code HALITE_USER} and
 * {@code HALITE_PASSWORD_FILE}. The password comes from the file, else {@code HALITE_PASSWORD}, else the terminal;
 * never from the command line.
 */
public final class ClientCredentials {
    static final String PASSWORD_VARIABLE = "HALITE_PASSWORD";

    @Option(names = "--user", paramLabel = "USER",
            description = "User name for a node started with --auth (default: HALITE_USER). The password is read from --password-file (default: HALITE_PASSWORD_FILE), else HALITE_PASSWORD, else asked for on the terminal.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding --user's password.")
    Path passwordFile;

    /** The user and password to send, or null without a user. */
    public Login login() throws Passwords.Missing {
        java.util.Map<String, String> environment = System.getenv();
        String name = user != null ? user : environment.get("HALITE_USER");
        Path file = passwordFile != null ? passwordFile
                : environment.containsKey("HALITE_PASSWORD_FILE") ? Path.of(environment.get("HALITE_PASSWORD_FILE"))
                : null;
        if (name == null || name.isEmpty()) {
            if (passwordFile != null) {
                throw new Passwords.Missing("--password-file needs --user");
            }
            return null;
        }
        char[] password = Passwords.read(file, PASSWORD_VARIABLE, environment, "Password for " + name + ": ");
        try {
            return new Login(name, new String(password));
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
