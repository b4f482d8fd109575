package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code halite shell} as a user meets it: typed at a real terminal (tmux), and run as a script with its output
 * and exit code, against real server processes.
 */
class ShellTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration ANSWER = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static ServerProcess node;

    @BeforeAll
    static void startNode() throws Exception {
        node = ServerProcess.startIn(dir.resolve("node"));
        execute(node, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "CREATE INDEX users_by_name ON users(name)",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), total REAL)",
                "INSERT INTO users(name, email) VALUES ('ada', 'ada@example.com'), ('bob', NULL)",
                "INSERT INTO orders(user_id, total) VALUES (1, 9.5)");
    }

    @AfterAll
    static void stopNode() throws Exception {
        node.close();
    }

    @Test
    void tabCompletesTableNamesAndAStatementRunsOnlyOnceASemicolonEndsIt() throws Exception {
        try (TmuxTerminal terminal = shellOn(node.baseUrl())) {
            terminal.type("SELECT name FROM us");
            terminal.press("Tab");
            terminal.await("the completed table name", s -> s.contains("halite> SELECT name FROM users"), ANSWER);
            terminal.typeLine("WHERE id = 1;");
            terminal.await("the row", s -> s.contains("| ada  |"), ANSWER);

            terminal.typeLine("SELECT 40 +");
            terminal.awaitCount("   ...>", 1, ANSWER);
            terminal.typeLine("2 AS answer");
            terminal.awaitCount("   ...>", 2, ANSWER);
            assertThat(terminal.screen()).doesNotContain("answer |");
            terminal.typeLine(";");
            terminal.await("the multi-line statement's result", s -> s.contains("| answer |") && s.contains("|     42 |"),
                    ANSWER);

            // A semicolon inside a string does not end the statement.
            terminal.typeLine("SELECT 'semi;");
            terminal.awaitCount("   ...>", 3, ANSWER);
            terminal.typeLine("colon' AS s;");
            terminal.await("the string with its semicolon and line break", s -> s.contains("| semi;\\ncolon |"), ANSWER);
        }
    }

    @Test
    void ctrlCDropsTheHalfTypedStatementAndCtrlDLeavesKeepingTheHistory() throws Exception {
        Path home = Files.createTempDirectory(dir, "home");
        try (TmuxTerminal terminal = shellOn(home, node.baseUrl())) {
            terminal.typeLine("SELECT 'forgotten' AS f");
            terminal.awaitCount("   ...>", 1, ANSWER);
            terminal.press("C-c");
            terminal.awaitCount("halite> ", 2, ANSWER);
            terminal.typeLine("SELECT 'kept' AS k;");
            String screen = terminal.await("the second statement's result", s -> s.contains("| kept |"), ANSWER);
            assertThat(screen).doesNotContain("| forgotten |").doesNotContain("Error");

            terminal.press("C-d");
            terminal.await("the shell exiting with 0", s -> s.contains("[exit 0]"), ANSWER);
        }
        String history = Files.readString(home.resolve(".halite_history"));
        assertThat(history).contains("SELECT 'kept' AS k;").doesNotContain("forgotten");
    }

    @Test
    void tablesSchemaAndIndexesShowTheDatabase() throws Exception {
        try (TmuxTerminal terminal = shellOn(node.baseUrl())) {
            terminal.typeLine(".tables");
            String tables = after(terminal.await("the tables", s -> after(s, "halite> .tables").contains("halite> "),
                    ANSWER), "halite> .tables");
            assertThat(tables.substring(0, tables.indexOf("halite> ")).lines()).contains("orders", "users")
                    .isSorted().noneMatch(name -> name.startsWith("sqlite_"));
            terminal.typeLine(".tables us%");
            terminal.await("the matching table", s -> after(s, "halite> .tables us%").startsWith("users\nhalite> "),
                    ANSWER);
            terminal.typeLine(".schema users");
            terminal.await("the table's CREATE statements", s -> after(s, "halite> .schema users").startsWith(
                    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"
                            + "CREATE INDEX users_by_name ON users(name);\nhalite> "), ANSWER);
            terminal.typeLine(".indexes users");
            terminal.await("the index", s -> after(s, "halite> .indexes users").startsWith("users_by_name\nhalite> "),
                    ANSWER);
            terminal.typeLine(".bogus");
            terminal.await("one error line", s -> after(s, "halite> .bogus").startsWith(
                    "Error: unknown command .bogus (.help lists the commands)\nhalite> "), ANSWER);
            terminal.typeLine(".mode xml");
            terminal.await("the usage", s -> after(s, "halite> .mode xml").startsWith(
                    "Error: usage: .mode csv|json|line|table\nhalite> "), ANSWER);
        }
    }

    @Test
    void dumpThenReadCopiesTheDatabaseIntoAFreshNode() throws Exception {
        execute(node, "CREATE TABLE odd (k TEXT PRIMARY KEY, v BLOB, n REAL)",
                "INSERT INTO odd VALUES ('it''s; tricky', x'00ff10', NULL), ('ünïcødé 😀', NULL, 1e300)",
                "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 5",
                "CREATE TRIGGER order_audit AFTER INSERT ON orders BEGIN "
                        + "UPDATE odd SET n = CASE WHEN new.total > 1 THEN new.total ELSE 0 END WHERE k = 'x'; END");
        Path dump = dir.resolve("dump.sql");
        try (TmuxTerminal terminal = shellOn(node.baseUrl())) {
            terminal.typeLine(".dump " + dump);
            terminal.await("the dump written", s -> s.contains("bytes of SQL to " + dump), ANSWER);
        }
        try (ServerProcess fresh = ServerProcess.startIn(dir.resolve("fresh"));
             TmuxTerminal terminal = shellOn(fresh.baseUrl())) {
            terminal.typeLine(".read " + dump);
            terminal.typeLine(".tables");
            String screen = terminal.await("the tables read", s -> after(s, "halite> .tables").contains(
                    "big_orders\nodd\norders\nusers\n"), ANSWER);
            assertThat(screen).doesNotContain("Error");
            assertThat(contentChecksum(fresh)).isEqualTo(contentChecksum(node));
        }
    }

    @Test
    void nodesListsEveryMemberOfAThreeNodeClusterAndTheNextUrlTakesOverFromADeadOne() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(dir.resolve("cluster"), 3)) {
            ServerProcess leader = cluster.leader();
            String leaderId = "n" + cluster.nodes().indexOf(leader);
            try (TmuxTerminal terminal = shellOn(cluster.nodes().get(1).baseUrl())) {
                terminal.typeLine(".nodes");
                String screen = terminal.await("the members", s -> s.contains("(3 rows)"), ANSWER);
                List<List<String>> rows = tableRows(after(screen, "halite> .nodes"));
                assertThat(rows).extracting(row -> row.get(0)).containsExactly("id", "n0", "n1", "n2");
                for (int i = 0; i < 3; i++) {
                    List<String> row = rows.get(i + 1);
                    assertThat(row.get(1)).isEqualTo(cluster.nodes().get(i).baseUrl());
                    assertThat(row.get(4)).as("reachable").isEqualTo("true");
                    assertThat(row.get(5)).as("leader").isEqualTo(row.get(0).equals(leaderId) ? "true" : "false");
                }
                terminal.typeLine(".leader");
                terminal.await("the leader", s -> after(s, "halite> .leader").startsWith(
                        leaderId + " " + leader.baseUrl() + "\n"), ANSWER);
            }

            // A transaction begun through a follower runs on the leader.
            ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
            ServerProcess.CliResult transaction = ServerProcess.runCli(dir.resolve("cli"), "shell",
                    follower.baseUrl(), "CREATE TABLE f (x); BEGIN; INSERT INTO f VALUES (7); COMMIT;");
            assertThat(transaction.exitCode()).as(transaction.stderr()).isZero();

            ServerProcess first = cluster.nodes().get(0);
            ServerProcess second = cluster.nodes().get(1);
            first.kill9();
            ServerProcess.CliResult result = ServerProcess.runCli(dir.resolve("cli"), "shell", "--mode", "csv",
                    first.baseUrl(), second.baseUrl(), "INSERT INTO f VALUES (8); SELECT x FROM f ORDER BY x;");
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).isEqualTo("x\n7\n8\n");
            assertThat(result.stderr()).isEqualTo("using " + second.baseUrl() + " (" + first.baseUrl()
                    + ": connection refused)\n");
        }
    }

    @Test
    void aScriptStopsAtTheFirstErrorWithSqlitesMessageAndExitsWithOne() throws Exception {
        Path script = dir.resolve("bad.sql");
        Files.writeString(script, """
                CREATE TABLE script_stop (x);
                INSERT INTO script_stop VALUES (1);
                INSERT INTO no_such_table VALUES (2);
                INSERT INTO script_stop VALUES (3);
                """);
        ServerProcess.CliResult stopped = ServerProcess.runCli(dir.resolve("cli"), script, "shell", node.baseUrl());
        assertThat(stopped.exitCode()).isEqualTo(1);
        assertThat(stopped.stderr()).isEqualTo("Error (stdin line 3): no such table: no_such_table\n");
        assertThat(values(node, "SELECT x FROM script_stop ORDER BY x")).isEqualTo("[[1]]");

        Files.writeString(script, Files.readString(script).replace("script_stop", "script_on"));
        ServerProcess.CliResult kept = ServerProcess.runCli(dir.resolve("cli"), script, "shell", "--keep-going",
                node.baseUrl());
        assertThat(kept.exitCode()).isEqualTo(1);
        assertThat(kept.stderr()).isEqualTo("Error (stdin line 3): no such table: no_such_table\n");
        assertThat(values(node, "SELECT x FROM script_on ORDER BY x")).isEqualTo("[[1],[3]]");

        ServerProcess.CliResult fine = ServerProcess.runCli(dir.resolve("cli"), "shell", "--mode", "csv",
                node.baseUrl(), "SELECT x, 'a,b' AS y, NULL AS z FROM script_on ORDER BY x");
        assertThat(fine.exitCode()).as(fine.stderr()).isZero();
        assertThat(fine.stdout()).isEqualTo("x,y,z\n1,\"a,b\",\n3,\"a,b\",\n");
    }

    @Test
    void sqlTransactionStatementsRunAsAnInteractiveTransaction() throws Exception {
        execute(node, "CREATE TABLE tx_t (x)");
        ServerProcess.CliResult result = ServerProcess.runCli(dir.resolve("cli"), "shell", "--mode", "csv",
                "--no-headers", node.baseUrl(), """
                BEGIN;
                INSERT INTO tx_t VALUES (1);
                SELECT count(*) FROM tx_t;
                ROLLBACK;
                SELECT count(*) FROM tx_t;
                BEGIN TRANSACTION;
                INSERT INTO tx_t VALUES (2);
                COMMIT;
                SELECT x FROM tx_t;
                """);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("1\n0\n2\n");

        ServerProcess.CliResult unfinished = ServerProcess.runCli(dir.resolve("cli"), "shell", node.baseUrl(),
                ".begin", "INSERT INTO tx_t VALUES (3)");
        assertThat(unfinished.exitCode()).isEqualTo(1);
        assertThat(unfinished.stderr()).isEqualTo("Error: the input ended inside a transaction: it was rolled back\n");
        assertThat(values(node, "SELECT x FROM tx_t")).isEqualTo("[[2]]");
    }

    @Test
    void badCommandsAndUnreachableNodesGetOneLineEach() throws Exception {
        ServerProcess.CliResult unknown = ServerProcess.runCli(dir.resolve("cli"), "shell", node.baseUrl(),
                ".frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr()).isEqualTo("Error: unknown command .frobnicate (.help lists the commands)\n");

        ServerProcess.CliResult wrongArgs = ServerProcess.runCli(dir.resolve("cli"), "shell", node.baseUrl(),
                ".consistency eventual");
        assertThat(wrongArgs.exitCode()).isEqualTo(1);
        assertThat(wrongArgs.stderr())
                .isEqualTo("Error: unknown consistency 'eventual': use none, weak, linearizable or strong\n");

        String nobody = "http://127.0.0.1:" + ServerProcess.freePort();
        ServerProcess.CliResult unreachable = ServerProcess.runCli(dir.resolve("cli"), "shell", nobody, "SELECT 1");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr()).isEqualTo("Error: cannot reach " + nobody + ": connection refused\n");
    }

    /** The shell in a terminal, its home (and so its history) in a fresh directory, once its prompt shows. */
    private static TmuxTerminal shellOn(String... urls) throws Exception {
        return shellOn(Files.createTempDirectory(dir, "home"), urls);
    }

    private static TmuxTerminal shellOn(Path home, String... urls) throws Exception {
        List<String> args = new ArrayList<>(List.of("shell"));
        args.addAll(List.of(urls));
        List<String> command = ServerProcess.cliCommand(args.toArray(String[]::new));
        command.add(1, "-Duser.home=" + home);
        TmuxTerminal terminal = TmuxTerminal.start(command);
        try {
            terminal.await("the prompt", s -> s.contains("halite> "), STARTUP);
            return terminal;
        } catch (Exception | AssertionError e) {
            terminal.close();
            throw e;
        }
    }

    /** The screen after the last occurrence of {@code marker}'s line. */
    private static String after(String screen, String marker) {
        int at = screen.lastIndexOf(marker + "\n");
        return at < 0 ? "" : screen.substring(at + marker.length() + 1);
    }

    /** The cells of each row of the first table in {@code text} (header included). */
    private static List<List<String>> tableRows(String text) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("| ")) {
                List<String> cells = new ArrayList<>();
                for (String cell : line.substring(1, line.length() - 1).split("\\|")) {
                    cells.add(cell.strip());
                }
                rows.add(cells);
            } else if (line.startsWith("(")) {
                break;
            }
        }
        return rows;
    }

    private static void execute(ServerProcess target, String... statements) throws Exception {
        JsonNode answer = post(target, "/db/execute", JSON.writeValueAsString(statements));
        assertThat(answer.toString()).doesNotContain("\"error\"");
    }

    private static String values(ServerProcess target, String sql) throws Exception {
        return post(target, "/db/query", JSON.writeValueAsString(List.of(sql))).path("results").path(0)
                .path("values").toString();
    }

    private static String contentChecksum(ServerProcess target) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.baseUrl()
                + "/db/checksum")).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("checksum").asText();
    }

    private static JsonNode post(ServerProcess target, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
