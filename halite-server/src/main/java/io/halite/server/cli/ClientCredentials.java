package io.halite.server.cli;

import io.halite.server.auth.Login;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * {@code --user} and {@code --password-file} for commands that call a node's API ({@code bench}, {@code remove})
 * when it runs with {@code --auth}. The password comes from the file, else {@code HALITE_PASSWORD}, else the
 * terminal; never from the command line.
 */
final class ClientCredentials {
    static final String PASSWORD_VARIABLE = "HALITE_PASSWORD";

    @Option(names = "--user", paramLabel = "USER",
            description = "User name for a node started with --auth. The password is read from --password-file, else HALITE_PASSWORD, else asked for on the terminal.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding --user's password.")
    Path passwordFile;

    /** The user and password to send, or null without {@code --user}. */
    Login login() throws Passwords.Missing {
        if (user == null) {
            if (passwordFile != null) {
                throw new Passwords.Missing("--password-file needs --user");
            }
            return null;
        }
        char[] password = Passwords.read(passwordFile, PASSWORD_VARIABLE, System.getenv(),
                "Password for " + user + ": ");
        try {
            return new Login(user, new String(password));
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
