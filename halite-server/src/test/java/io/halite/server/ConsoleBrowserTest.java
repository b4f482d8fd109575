package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless chromium, driven through its chromedriver) against a real
 * 3-node cluster with a continuous backup to a directory: every page shows the cluster's real data, a query shows
 * its rows, an error shows SQLite's message, a transaction commits, text from the database is shown as text, a
 * leader killed with SIGKILL shows as unreachable within seconds, and a new leader appears.
 *
 * <p>Each page's screenshot is written to {@code target/console-screenshots} (or the directory named by the system
 * property {@code halite.console.screenshots}); the README's come from a good run, copied by hand into
 * {@code docs/images}.
 */
class ConsoleBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Text a careless page would run as script: the console must show it literally. */
    private static final String MARKUP = "<img src=x onerror=\"document.body.dataset.owned=1\">";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ProcessCluster cluster;
    private WebDriver browser;
    private WebDriverWait wait;
    private final AtomicBoolean loading = new AtomicBoolean(true);
    private Thread load;

    @AfterEach
    void stopAll() throws Exception {
        loading.set(false);
        if (load != null) {
            load.join(10_000);
        }
        if (browser != null) {
            // What the page logged (script errors, refused requests) explains a failed wait.
            browser.manage().logs().get(LogType.BROWSER).getAll().forEach(e -> System.out.println("browser: " + e));
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyPageShowsTheClusterAndFollowsItThroughFailures() throws Exception {
        cluster = ProcessCluster.start(dir, 3, "--backup", dir.resolve("backup").toUri().toString(),
                "--backup-interval", "200ms");
        ServerProcess leader = cluster.leader();
        assertThat(cluster.post(leader, "/db/execute", """
                ["CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, born DATE)",
                 "CREATE INDEX person_name ON person(name)",
                 ["INSERT INTO person(name, email, born) VALUES(?, ?, ?)",
                  "Ada Lovelace", "ada@example.com", "1815-12-10"],
                 ["INSERT INTO person(name, email, born) VALUES(?, ?, ?)",
                  "Grace Hopper", "grace@example.com", "1906-12-09"],
                 ["INSERT INTO person(name, email) VALUES(?, NULL)", %s]]
                """.formatted(JSON.valueToTree(MARKUP).toString()))).isNotNull();
        browser = startBrowser();
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));

        clusterPageListsEveryMember(leader);
        queryPageShowsRowsAndErrors(leader);
        long commitIndex = queryPageCommitsATransaction();
        schemaPageShowsTablesColumnsIndexesAndRowCounts(leader);
        backupPageShowsTheRestorableRange(leader, commitIndex);
        activityPageChartsRequests(leader);
        nothingFromTheDatabaseRanAsScriptAndThePageLoggedNoError();

        List<ServerProcess> followers = cluster.nodes().stream().filter(n -> n != leader).toList();
        followerConsoleSendsTransactionsToTheLeader(followers.get(0), leader);
        clusterPageFollowsAKilledLeader(followers.get(0), leader);
    }

    /** Cluster: the three members, all reachable, with the leader marked, as seen from the leader. */
    private void clusterPageListsEveryMember(ServerProcess leader) throws Exception {
        String leaderId = nodeId(leader);
        browser.get(leader.baseUrl() + "/console/#cluster");
        wait.until(d -> members().size() == 3
                && members().stream().allMatch(m -> m.reachable() && m.applied().matches("[0-9,]+")));
        assertThat(member(leaderId).role()).isEqualTo("leader");
        assertThat(members().stream().filter(m -> m.role().equals("follower"))).hasSize(2);
        assertThat(text("#cluster-leader")).isEqualTo(leaderId);
        screenshot("cluster");
    }

    /**
     * Query: rows (markup from the database shown as text, NULL marked), row count and timing; an error shows
     * SQLite's message while the statement before it shows its rows; the editor's text is split at semicolons
     * outside quotes and comments.
     */
    private void queryPageShowsRowsAndErrors(ServerProcess leader) throws Exception {
        browser.get(leader.baseUrl() + "/console/#query");
        runSql("SELECT id, name, email, born FROM person ORDER BY id;");
        WebElement result = wait.until(d -> d.findElement(By.cssSelector("#results .result")));
        assertThat(result.findElement(By.cssSelector(".row-count")).getText()).startsWith("3 rows");
        assertThat(result.findElements(By.cssSelector("tbody tr:first-child td")).stream().map(WebElement::getText))
                .containsExactly("1", "Ada Lovelace", "ada@example.com", "1815-12-10T00:00:00Z");
        assertThat(result.findElement(By.cssSelector("tbody tr:nth-child(3) td:nth-child(2)")).getText())
                .isEqualTo(MARKUP);
        assertThat(result.findElement(By.cssSelector("tbody tr:nth-child(3) td:nth-child(3)")).getText())
                .isEqualTo("NULL");
        assertThat(result.findElements(By.cssSelector("#results img"))).isEmpty();
        assertThat(browser.findElement(By.id("query-summary")).getText()).contains("3 rows").contains("level weak");
        screenshot("query");

        runSql("SELECT 'a;b' AS text; -- not; a statement\nSELECT * FROM no_such_table;");
        wait.until(d -> d.findElements(By.cssSelector("#results .result")).size() == 2);
        assertThat(browser.findElement(By.cssSelector("#results .result tbody td")).getText()).isEqualTo("a;b");
        assertThat(browser.findElement(By.cssSelector("#results .result.failed .error")).getText())
                .isEqualTo("no such table: no_such_table");
        assertThat(browser.findElement(By.id("query-summary")).getText()).contains("1 failed");

        // A trigger's body holds semicolons of its own: the statement ends at END;.
        runSql("CREATE TRIGGER person_trimmed AFTER INSERT ON person BEGIN\n"
                + "  UPDATE person SET name = trim(new.name) WHERE id = new.id;\nEND;\n"
                + "SELECT name FROM sqlite_schema WHERE type = 'trigger';");
        wait.until(d -> d.findElements(By.cssSelector("#results .result")).size() == 2);
        assertThat(browser.findElements(By.cssSelector("#results .result.failed"))).isEmpty();
        assertThat(browser.findElement(By.cssSelector("#results .result tbody td")).getText())
                .isEqualTo("person_trimmed");
    }

    /**
     * An interactive transaction: begin, write, read its own write, commit; the row is then on every node.
     *
     * @return the log index the commit took effect at
     */
    private long queryPageCommitsATransaction() {
        browser.findElement(By.id("tx-begin")).click();
        wait.until(d -> d.findElement(By.id("tx-commit")).isDisplayed());
        runSql("INSERT INTO person(name) VALUES(' Katherine Johnson '); SELECT count(*) FROM person;");
        wait.until(d -> d.findElements(By.cssSelector("#results tbody td")).stream()
                .anyMatch(td -> td.getText().equals("4")));
        browser.findElement(By.id("tx-commit")).click();
        wait.until(d -> d.findElement(By.id("tx-state")).getText().startsWith("Committed at log index"));
        long commitIndex = Long.parseLong(browser.findElement(By.id("tx-state")).getText().replaceAll("\\D", ""));
        for (ServerProcess node : cluster.nodes()) {
            JsonNode count = cluster.get(node, "/db/query?level=none&min_index=" + commitIndex
                    + "&q=SELECT+count(*)+FROM+person");
            assertThat(count.at("/results/0/values/0/0").asLong()).isEqualTo(4);
        }
        return commitIndex;
    }

    private void schemaPageShowsTablesColumnsIndexesAndRowCounts(ServerProcess leader) throws Exception {
        browser.get(leader.baseUrl() + "/console/#schema");
        WebElement person = wait.until(d -> d.findElement(By.cssSelector(".schema-table[data-table='person']")));
        wait.until(d -> person.findElement(By.cssSelector(".row-count")).getText().equals("4 rows"));
        assertThat(person.findElements(By.cssSelector("table.columns tbody tr")).stream()
                .map(r -> r.findElement(By.cssSelector("td:nth-child(1)")).getText() + " "
                        + r.findElement(By.cssSelector("td:nth-child(2)")).getText()))
                .containsExactly("id INTEGER", "name TEXT", "email TEXT", "born DATE");
        assertThat(person.findElements(By.cssSelector("li[data-index]")).stream().map(WebElement::getText))
                .anyMatch(text -> text.startsWith("person_name (name)"))
                .anyMatch(text -> text.contains("(email) unique"));
        assertThat(person.findElements(By.cssSelector("li[data-trigger]")).stream().map(WebElement::getText))
                .containsExactly("person_trimmed");
        screenshot("schema");
    }

    /** Backup: the target, the mode, the uploader and a restorable range that reaches the last write. */
    private void backupPageShowsTheRestorableRange(ServerProcess leader, long commitIndex) throws Exception {
        browser.get(leader.baseUrl() + "/console/#backup");
        wait.until(d -> fact("to") != null && fact("to").startsWith("index " + String.format("%,d", commitIndex)));
        assertThat(fact("target")).isEqualTo(dir.resolve("backup").toUri().toString());
        assertThat(fact("mode")).startsWith("async");
        assertThat(fact("uploading")).isEqualTo("the leader, " + nodeId(leader) + " (this node)");
        assertThat(fact("from")).startsWith("index ");
        assertThat(fact("last-upload")).matches("\\d{4}-.*Z \\(.*\\)");
        assertThat(fact("error")).isEqualTo("none");
        assertThat(browser.findElement(By.id("download-db")).getAttribute("href"))
                .isEqualTo(leader.baseUrl() + "/db/backup");
        screenshot("backup");
    }

    /** Activity: writes and reads from a client show as rates, and their latency as a p99. */
    private void activityPageChartsRequests(ServerProcess leader) throws Exception {
        browser.get(leader.baseUrl() + "/console/#activity");
        load = startLoad(leader);
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
            String writes = String.valueOf(text("#chart-writes .now"));
            String reads = String.valueOf(text("#chart-reads .now"));
            String latency = String.valueOf(text("#chart-latency .now"));
            return writes.matches("[1-9][0-9,.]*/s") && reads.matches("[1-9][0-9,.]*/s")
                    && latency.matches("writes [0-9.]+ m?s · reads [0-9.]+ m?s");
        });
        Thread.sleep(20_000); // lines long enough to read in the screenshot
        screenshot("activity");
        loading.set(false);
        load.join(10_000);
    }

    private void nothingFromTheDatabaseRanAsScriptAndThePageLoggedNoError() {
        assertThat(browser.findElement(By.tagName("body")).getAttribute("data-owned")).isNull();
        assertThat(severeBrowserLogs()).isEmpty();
        // The page's policy refuses inline script, should any ever get in.
        ((JavascriptExecutor) browser).executeScript("const s = document.createElement('script');"
                + "s.textContent = 'document.body.dataset.inline = 1'; document.body.appendChild(s);");
        assertThat(browser.findElement(By.tagName("body")).getAttribute("data-inline")).isNull();
    }

    /** A transaction lives on the leader: a follower's console says so and links to the leader's. */
    private void followerConsoleSendsTransactionsToTheLeader(ServerProcess follower, ServerProcess leader) {
        browser.get(follower.baseUrl() + "/console/#query");
        browser.findElement(By.id("tx-begin")).click();
        WebElement hint = wait.until(d -> d.findElement(By.cssSelector("#results .error")));
        assertThat(hint.getText()).startsWith("Interactive transactions run on the leader, and this node is not it.");
        assertThat(hint.findElement(By.tagName("a")).getAttribute("href"))
                .isEqualTo(leader.baseUrl() + "/console/#query");
    }

    /**
     * From a follower's console: the leader killed with SIGKILL shows as unreachable within seconds, and another
     * member leads; then the follower itself is killed, and its page says that it no longer answers.
     */
    private void clusterPageFollowsAKilledLeader(ServerProcess watcher, ServerProcess leader) throws Exception {
        String leaderId = nodeId(leader);
        browser.get(watcher.baseUrl() + "/console/#cluster");
        wait.until(d -> members().size() == 3 && members().stream().allMatch(Member::reachable));
        leader.kill9();
        long killedAt = System.nanoTime();
        new WebDriverWait(browser, Duration.ofSeconds(8))
                .until(d -> !member(leaderId).reachable());
        System.out.printf("the killed leader showed as unreachable after %d ms%n",
                (System.nanoTime() - killedAt) / 1_000_000);
        assertThat(member(leaderId).shown()).isEqualTo("unreachable");
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> {
            String shown = text("#cluster-leader");
            return !shown.equals(leaderId) && member(shown) != null && member(shown).role().equals("leader");
        });
        System.out.printf("a new leader showed after %d ms%n", (System.nanoTime() - killedAt) / 1_000_000);
        List<String> survivors = cluster.nodes().stream().filter(n -> n != leader).map(this::nodeId).toList();
        assertThat(text("#cluster-leader")).isIn(survivors);
        assertThat(member(leaderId).reachable()).isFalse();
        screenshot("cluster-leader-down");

        // The node that served the page going away too leaves the page up, saying so.
        watcher.kill9();
        new WebDriverWait(browser, Duration.ofSeconds(8)).until(d -> d.findElement(By.id("banner")).isDisplayed());
        assertThat(text("#banner")).startsWith("This node does not answer (last answer ");
        assertThat(members()).hasSize(3);
    }

    private WebDriver startBrowser() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("this test needs Debian's chromium and chromium-driver "
                    + "(apt-get install chromium chromium-driver; .ci/run installs them)");
        }
        // The driver is named explicitly, so Selenium never runs Selenium Manager to look for (or download) one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,860", "--force-device-scale-factor=1", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("chromium-profile"));
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        return new ChromeDriver(service, options);
    }

    private void runSql(String sql) {
        WebElement editor = browser.findElement(By.id("sql"));
        editor.clear();
        editor.sendKeys(sql);
        String before = browser.findElement(By.id("query-summary")).getText();
        editor.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        wait.until(d -> {
            String summary = d.findElement(By.id("query-summary")).getText();
            return !summary.equals(before) && !summary.startsWith("Running");
        });
    }

    /** A row of the members table: its node, role, whether reachable, applied index and reachable cell as shown. */
    private record Member(String id, String role, boolean reachable, String applied, String shown) {}

    /** The members table, read in one step: the page redraws it every second. */
    @SuppressWarnings("unchecked")
    private List<Member> members() {
        List<Map<String, String>> rows = (List<Map<String, String>>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('#members tbody tr'), r => ({id: r.dataset.node,"
                        + " role: r.dataset.role, reachable: r.dataset.reachable,"
                        + " applied: r.querySelector('td.applied').textContent,"
                        + " shown: r.querySelector('td.reachable').textContent}));");
        return rows.stream().map(r -> new Member(r.get("id"), r.get("role"), r.get("reachable").equals("true"),
                r.get("applied"), r.get("shown"))).toList();
    }

    /** The member with this id as the page shows it, or null if it is not listed. */
    private Member member(String id) {
        return members().stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }

    /** The text of the first element matching {@code css}, or null; read in one step, as the page redraws. */
    private String text(String css) {
        return (String) ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e === null ? null : e.textContent;", css);
    }

    private String fact(String name) {
        return text("[data-fact='" + name + "']");
    }

    private String nodeId(ServerProcess node) {
        return cluster.get(node, "/status").at("/store/node_id").asText();
    }

    /** Writes and reads against {@code node} until the test says stop. */
    private Thread startLoad(ServerProcess node) {
        Thread thread = new Thread(() -> {
            int i = 0;
            while (loading.get()) {
                cluster.post(node, "/db/execute", "[[\"INSERT INTO person(name) VALUES(?)\", \"load " + i++ + "\"]]");
                cluster.get(node, "/db/query?q=SELECT+count(*)+FROM+person");
                cluster.get(node, "/db/query?level=none&q=SELECT+name+FROM+person+WHERE+id=1");
            }
        }, "console-test-load");
        thread.start();
        return thread;
    }

    private List<String> severeBrowserLogs() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    private void screenshot(String page) throws Exception {
        Path directory = Path.of(System.getProperty("halite.console.screenshots", "target/console-screenshots"));
        Files.createDirectories(directory);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), directory.resolve("console-" + page + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
