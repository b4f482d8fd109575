package io.halite.server.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the commands get passwords: never from the command line, where every user of the machine can read them
 * ({@code ps}). In order: a file (a mounted secret), an environment variable, the terminal (without echo).
 */
public final class Passwords {
    private Passwords() {}

    /** A password that could not be had, with a message saying where it was looked for. */
    public static final class Missing extends Exception {
        Missing(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param file        a file holding the password (one trailing newline is dropped), or null
     * @param variable    the environment variable that may hold it
     * @param prompt      asked on the terminal if neither is set; null to not ask
     */
    static char[] read(Path file, String variable, Map<String, String> environment, String prompt) throws Missing {
        if (file != null) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "").toCharArray();
            } catch (IOException e) {
                throw new Missing("cannot read the password file " + file + ": " + e.getMessage());
            }
        }
        String value = environment.get(variable);
        if (value != null) {
            return value.toCharArray();
        }
        Console console = prompt == null ? null : System.console();
        if (console != null) {
            char[] typed = console.readPassword("%s", prompt);
            if (typed != null) {
                return typed;
            }
        }
        throw new Missing("no password: set " + variable + " or give a password file");
    }

    /** One line of standard input (for {@code halite passwd < file}); null at end of input. */
    static char[] readLine(java.io.InputStream in) throws IOException {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.toCharArray();
    }
}
