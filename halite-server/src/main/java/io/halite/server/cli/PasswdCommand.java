package io.halite.server.cli;

import io.halite.server.auth.PasswordHash;
import java.io.Console;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite passwd}: hashes a password for a users file. */
@Command(name = "passwd", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Reads a password from the terminal (typed twice, not shown) or, when standard input is not a terminal, its first line; prints its hash for the password_hash field of a users file (--auth). The password is never taken from the command line.",
            "",
            "Example: halite passwd < secret.txt, or halite passwd --scram",
            ""
        })
public final class PasswdCommand implements Callable<Integer> {
    @Option(names = "--scram", description = "Print a SCRAM-SHA-256 verifier (PBKDF2-HMAC-SHA-256) instead of a bcrypt hash.")
    boolean scram;

    @Option(names = "--cost", defaultValue = "" + PasswordHash.DEFAULT_BCRYPT_COST,
            description = "bcrypt cost, 4 to 31: each step doubles the work of every check (default: ${DEFAULT-VALUE}).")
    int cost;

    @Option(names = "--iterations", defaultValue = "" + PasswordHash.DEFAULT_SCRAM_ITERATIONS,
            description = "PBKDF2 iterations for --scram (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Override
    public Integer call() throws Exception {
        if (cost < 4 || cost > 31) {
            return fail("--cost must be 4 to 31");
        }
        if (iterations < 4096) {
            return fail("--iterations must be at least 4096");
        }
        char[] password = read();
        if (password == null) {
            return 1;
        }
        try {
            if (password.length == 0) {
                return fail("the password is empty");
            }
            System.out.println(scram ? PasswordHash.scram(password, iterations) : PasswordHash.bcrypt(password, cost));
            return 0;
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The password from the terminal (asked twice) or standard input's first line; null after saying why not. */
    private static char[] read() throws java.io.IOException {
        Console console = System.console();
        if (console == null) {
            char[] line = Passwords.readLine(System.in);
            if (line == null) {
                fail("no password on standard input");
            }
            return line;
        }
        char[] first = console.readPassword("Password: ");
        char[] second = first == null ? null : console.readPassword("Again: ");
        if (second == null || !Arrays.equals(first, second)) {
            fail(second == null ? "no password given" : "the passwords differ");
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            return null;
        }
        Arrays.fill(second, '\0');
        return first;
    }

    private static int fail(String message) {
        System.err.println("halite passwd: " + message);
        return 1;
    }
}
