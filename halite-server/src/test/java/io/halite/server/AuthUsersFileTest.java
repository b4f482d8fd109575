package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The users file of a node run with --auth: reloads, bad files, plain passwords, hashes from 'halite passwd'. */
class AuthUsersFileTest {
    @TempDir
    Path dir;
    ServerProcess node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private ServerProcess start(Path users) throws Exception {
        node = new ServerProcess(dir.resolve("data"), dir.resolve("logs"), ServerProcess.freePort(),
                ServerProcess.freePort(), List.of("--auth", users.toString()));
        node.start();
        return node;
    }

    private int status(String from, String user, String password) throws Exception {
        return RawHttp.send(from, node.baseUrl(), "GET", "/status", user == null ? null : RawHttp.basic(user, password),
                null).status();
    }

    /** Waits up to 10 s for {@code /status} as {@code user} to answer {@code expected}. */
    private void awaitStatus(String user, String password, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int last;
        do {
            last = status("127.0.0.1", user, password);
            if (last == expected) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("/status as " + user + " still answers " + last + ", not " + expected + "; log:\n"
                + node.logTail());
    }

    /** A file holding {@code text}, for a command's standard input. */
    private Path stdin(String text) throws Exception {
        return Files.writeString(Files.createTempFile(dir, "stdin-", ".txt"), text);
    }

    /** Waits up to 10 s for the node's log to contain {@code text}. */
    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(node.logFile()).contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @Test
    void aChangedFileIsReadAgainAndABadOneKeepsTheUsersInForce() throws Exception {
        Path users = new UsersFileBuilder().anonymous("ready").user("alice", "a-pass", "status")
                .writeTo(dir.resolve("users.json"));
        start(users);
        assertThat(status("127.0.0.1", "alice", "a-pass")).isEqualTo(200);
        assertThat(status("127.0.0.1", "bob", "b-pass")).isEqualTo(401);

        new UsersFileBuilder().anonymous("ready").user("bob", "b-pass", "status").writeTo(users);
        awaitStatus("bob", "b-pass", 200);
        assertThat(status("127.0.0.1", "alice", "a-pass")).as("alice was removed").isEqualTo(401);

        Files.writeString(users, "[{\"username\": \"carol\", \"password_hash\": \"x\", \"perms\": [\"status\"]}]");
        awaitLog("unknown password hash format");
        assertThat(node.logTail()).contains("the users file " + users + " is invalid: entry 1 (user 'carol'): "
                + "unknown password hash format").contains("the users loaded before stay in force");
        assertThat(status("127.0.0.1", "bob", "b-pass")).isEqualTo(200);
        assertThat(node.isAlive()).isTrue();
    }

    @Test
    void sighupReadsTheFileAgainWithoutStoppingTheNode() throws Exception {
        Path users = new UsersFileBuilder().anonymous("ready").user("alice", "a-pass", "status")
                .writeTo(dir.resolve("users.json"));
        start(users);
        // Same content, so the poll sees no change; SIGHUP reads it anyway and logs that it did.
        node.hangUp();
        awaitLog("reloaded the users file");
        assertThat(node.logTail()).contains("SIGHUP: reading the users file").contains("reloaded the users file");
        assertThat(node.isAlive()).isTrue();
        assertThat(status("127.0.0.1", "alice", "a-pass")).isEqualTo(200);
    }

    @Test
    void aPlainPasswordStillWorksWithAWarningNamingItsUser() throws Exception {
        Path users = new UsersFileBuilder().anonymous("ready").plain("legacy", "old-secret", "status")
                .writeTo(dir.resolve("users.json"));
        start(users);
        assertThat(status("127.0.0.1", "legacy", "old-secret")).isEqualTo(200);
        assertThat(status("127.0.0.1", "legacy", "old-secreT")).isEqualTo(401);
        assertThat(Files.readString(node.logFile())).contains("user 'legacy' has a plain-text password in the users "
                + "file").doesNotContain("old-secret");
    }

    @Test
    void badUsersFilesAreRefusedAtStartNamingTheFileAndTheProblem() throws Exception {
        Map<String, String> cases = Map.of(
                "[{\"username\": \"a\", \"password_hash\": \"$2b$04$", "is invalid: not valid JSON",
                "[{\"username\": \"a\", \"password_hash\": \"" + new UsersFileBuilder().hashOf("x")
                        + "\", \"perms\": [\"read\"]}]", "entry 1 (user 'a'): unknown permission 'read'; valid "
                        + "permissions: all, execute, query, load, backup, status, ready, join, join-read-only, "
                        + "remove, leader-ops, metrics, ui",
                "[{\"username\": \"a\", \"password_hash\": \"md5:abc\", \"perms\": []}]",
                "entry 1 (user 'a'): unknown password hash format",
                "{\"username\": \"a\"}", "must be a JSON array of users");
        int n = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = dir.resolve("bad-" + (++n) + ".json");
            Files.writeString(file, c.getKey());
            ServerProcess bad = new ServerProcess(dir.resolve("data-" + n), dir.resolve("logs-" + n),
                    ServerProcess.freePort(), ServerProcess.freePort(), List.of("--auth", file.toString()));
            bad.launch();
            assertThat(bad.awaitExit(Duration.ofSeconds(60))).as(c.getValue()).isNotZero();
            String log = Files.readString(bad.logFile());
            assertThat(log).contains("the users file " + file).contains(c.getValue()).contains("not starting")
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
        Path missing = dir.resolve("missing.json");
        ServerProcess absent = new ServerProcess(dir.resolve("data-m"), dir.resolve("logs-m"),
                ServerProcess.freePort(), ServerProcess.freePort(), List.of("--auth", missing.toString()));
        absent.launch();
        assertThat(absent.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(Files.readString(absent.logFile())).contains("cannot read the users file " + missing
                + ": no such file");
    }

    @Test
    void passwdReadsStandardInputAndPrintsHashesTheServerAccepts() throws Exception {
        ServerProcess.CliResult bcrypt = ServerProcess.runCli(dir.resolve("cli"), stdin("s3cret pass\n"),
                "passwd", "--cost", "4");
        assertThat(bcrypt.exitCode()).as(bcrypt.stderr()).isZero();
        assertThat(bcrypt.stdout().strip()).startsWith("$2b$04$").hasSize(60);
        ServerProcess.CliResult scram = ServerProcess.runCli(dir.resolve("cli"), stdin("other pass\n"),
                "passwd", "--scram", "--iterations", "4096");
        assertThat(scram.exitCode()).as(scram.stderr()).isZero();
        assertThat(scram.stdout().strip()).startsWith("SCRAM-SHA-256$4096:");
        assertThat(bcrypt.stdout() + bcrypt.stderr() + scram.stdout() + scram.stderr())
                .doesNotContain("s3cret").doesNotContain("other pass");

        Path users = new UsersFileBuilder().anonymous("ready")
                .hashed("b", bcrypt.stdout().strip(), "status")
                .hashed("s", scram.stdout().strip(), "status")
                .writeTo(dir.resolve("users.json"));
        start(users);
        assertThat(status("127.0.0.1", "b", "s3cret pass")).isEqualTo(200);
        assertThat(status("127.0.0.1", "s", "other pass")).isEqualTo(200);
        assertThat(status("127.0.0.1", "s", "s3cret pass")).isEqualTo(401);

        ServerProcess.CliResult empty = ServerProcess.runCli(dir.resolve("cli"), stdin(""), "passwd");
        assertThat(empty.exitCode()).isNotZero();
        assertThat(empty.stderr()).contains("halite passwd: no password on standard input");
    }

    @Test
    void removeSendsTheCredentialsOfUserFromTheEnvironmentOrAFileNeverFromArguments() throws Exception {
        Path users = new UsersFileBuilder().anonymous("ready").user("admin", "adm-pass", "remove")
                .writeTo(dir.resolve("users.json"));
        start(users);
        ServerProcess.CliResult fromEnvironment = ServerProcess.runCli(dir.resolve("cli"),
                Map.of("HALITE_PASSWORD", "adm-pass"), "remove", "nobody", "--url", node.baseUrl(),
                "--user", "admin");
        assertThat(fromEnvironment.stderr()).as("authorized: the node looked for the member")
                .contains("answered 404").contains("no member has the id nobody");
        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-it\n");
        ServerProcess.CliResult fromFile = ServerProcess.runCli(dir.resolve("cli"), "remove", "nobody",
                "--url", node.baseUrl(), "--user", "admin", "--password-file", wrong.toString());
        assertThat(fromFile.exitCode()).isNotZero();
        assertThat(fromFile.stderr()).contains("answered 401").contains("invalid user name or password")
                .doesNotContain("not-it");
        ServerProcess.CliResult none = ServerProcess.runCli(dir.resolve("cli"), "remove", "nobody",
                "--url", node.baseUrl(), "--user", "admin");
        assertThat(none.exitCode()).isNotZero();
        assertThat(none.stderr()).contains("halite remove: no password: set HALITE_PASSWORD or give a password file");
    }

    @Test
    void twoHundredWrongPasswordsFromOneAddressAreThrottledWhileAnotherClientIsServed() throws Exception {
        Path users = new UsersFileBuilder().anonymous("ready").user("app", "right", "status")
                .user("monitor", "watch", "metrics").writeTo(dir.resolve("users.json"));
        start(users);
        int refused = 0;
        int throttled = 0;
        String retryAfter = null;
        for (int i = 0; i < 200; i++) {
            RawHttp.Answer answer = RawHttp.send("127.0.0.2", node.baseUrl(), "GET", "/status",
                    RawHttp.basic("app", "guess-" + i), null);
            if (answer.status() == 429) {
                throttled++;
                retryAfter = answer.headers().get("retry-after");
            } else {
                assertThat(answer.status()).isEqualTo(401);
                refused++;
            }
            if (i % 20 == 0) {
                assertThat(status("127.0.0.1", "app", "right")).as("the other client, after %d guesses", i)
                        .isEqualTo(200);
            }
        }
        assertThat(refused).as("guesses checked before the throttle").isEqualTo(10);
        assertThat(throttled).isEqualTo(190);
        assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
        // Throttled, the address cannot try even the right password until the window ends.
        assertThat(status("127.0.0.2", "app", "right")).isEqualTo(429);
        assertThat(status("127.0.0.1", "app", "right")).isEqualTo(200);
        String log = Files.readString(node.logFile());
        assertThat(log).contains("refusing logins from 127.0.0.2").doesNotContain("guess-");
        assertThat(log.split("refusing logins from 127.0.0.2", -1)).as("logged once per window").hasSize(2);
        // Ten guesses, app's password once (then remembered), and monitor's own login.
        String metrics = RawHttp.send("127.0.0.1", node.baseUrl(), "GET", "/metrics",
                RawHttp.basic("monitor", "watch"), null).body();
        assertThat(PrometheusText.parse(metrics).value("halite_auth_password_checks_total")).isEqualTo(12);
    }
}
