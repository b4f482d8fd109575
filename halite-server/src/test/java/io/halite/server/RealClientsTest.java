package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real rqlite clients, unchanged, against a real {@code halite serve} process: rqlite-js from npm (installed by
 * the test into {@code target/clients}), and a Python client written with the standard library only. The client
 * scripts live in {@code src/test/clients}; each prints a line per check and exits non-zero at the first failure.
 */
class RealClientsTest {
    private static final Path CLIENTS = Path.of("src/test/clients");
    private static final Path INSTALLED = Path.of("target/clients");
    private static final String RQLITE_JS_VERSION = "2.5.7";
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    static Path root;
    private static ServerProcess server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ServerProcess.startIn(root);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private record Run(int exit, String output) {}

    /** Runs a command in {@code directory}, killing it if it outlives {@code timeout}. */
    private static Run run(Path directory, Duration timeout, List<String> command) throws Exception {
        Path output = Files.createTempFile(root, "client-", ".log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            return fail(command.get(0) + " is not installed (.ci/run installs it): " + e.getMessage());
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            return fail(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /**
     * rqlite-js in {@code target/clients/rqlite-js}, installed once: a later run (or one offline with a warm npm
     * cache) finds it there.
     */
    private static Path installRqliteJs() throws Exception {
        Path dir = INSTALLED.resolve("rqlite-js");
        Files.createDirectories(dir);
        for (String file : List.of("package.json", "check.js")) {
            Files.copy(CLIENTS.resolve("rqlite-js").resolve(file), dir.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        Path installed = dir.resolve("node_modules/rqlite-js/package.json");
        if (!Files.exists(installed) || !Files.exists(dir.resolve("node_modules/@babel/runtime/package.json"))
                || !Files.readString(installed).contains("\"version\": \"" + RQLITE_JS_VERSION + "\"")) {
            Run install = run(dir, INSTALL_TIMEOUT, List.of("npm", "install", "--no-audit", "--no-fund",
                    "--prefer-offline", "--loglevel=error"));
            if (install.exit() != 0) {
                fail("npm install of rqlite-js " + RQLITE_JS_VERSION + " failed (exit " + install.exit() + "): this "
                        + "test needs the npm registry, or an npm cache that already holds it\n" + install.output());
            }
        }
        return dir;
    }

    @Test
    void rqliteJsWorksUnchanged() throws Exception {
        Path dir = installRqliteJs();
        Run run = run(dir, RUN_TIMEOUT, List.of("node", "check.js", server.baseUrl()));
        assertThat(run.exit()).as("rqlite-js checks:\n%s\nnode log:\n%s", run.output(), server.logTail()).isZero();
        assertThat(run.output()).contains("all 11 checks passed");
    }

    @Test
    void aPythonClientOnTheStandardLibraryWorks() throws Exception {
        Run run = run(CLIENTS.resolve("python"), RUN_TIMEOUT, List.of("python3", "check.py", server.baseUrl()));
        assertThat(run.exit()).as("Python checks:\n%s\nnode log:\n%s", run.output(), server.logTail()).isZero();
        assertThat(run.output()).contains("all 7 checks passed");
    }
}
