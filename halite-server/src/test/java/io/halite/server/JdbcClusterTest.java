package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC driver against three real `halite serve` processes: a HikariCP pool, Flyway migrations and plain JDBC
 * CRUD; transaction isolation across nodes; a bank workload of concurrent transfer transactions; and the leader
 * SIGKILLed in the middle of a transaction; statement strings of several statements through a follower and the
 * driver.
 */
class JdbcClusterTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failure keeps the nodes' logs
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String url(List<ServerProcess> nodes, String options) {
        return "jdbc:halite://" + nodes.stream().map(n -> n.baseUrl().substring("http://".length()))
                .collect(Collectors.joining(",")) + "/" + options;
    }

    private HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(cluster.nodes(), ""));
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    /** What a node holds, read on that node alone (level none) once it has applied {@code index}. */
    private String rowsOn(ServerProcess node, String sql, long index) {
        JsonNode answer = cluster.get(node, "/db/query?level=none&min_index=" + index + "&q="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8));
        assertThat(answer).as("query on " + node.baseUrl()).isNotNull();
        return answer.path("results").get(0).path("values").toString();
    }

    private long appliedIndexOf(ServerProcess node) {
        return cluster.get(node, "/status").path("store").path("raft").path("applied_index").asLong();
    }

    private long highestAppliedIndex() {
        return cluster.nodes().stream().filter(ServerProcess::isAlive).mapToLong(this::appliedIndexOf).max().orElseThrow();
    }

    private void assertReplicasAgree(List<ServerProcess> nodes) throws InterruptedException {
        long index = nodes.stream().mapToLong(this::appliedIndexOf).max().orElseThrow();
        List<String> sums = new ArrayList<>();
        for (ServerProcess node : nodes) {
            sums.add(cluster.checksumOnceApplied(node, index));
        }
        assertThat(sums).as("content checksums of every node").containsOnly(sums.get(0));
    }

    @Test
    void hikariPoolFlywayMigrationsAndCrudThroughPlainJdbc() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        try (HikariDataSource pool = pool(4)) {
            // Nothing of Halite's is in the schema: Flyway starts on an empty one, without baselineOnMigrate.
            var flyway = Flyway.configure().dataSource(pool).locations("classpath:db/jdbc-cluster").load();
            assertThat(flyway.migrate().migrationsExecuted).isEqualTo(2);
            assertThat(flyway.migrate().migrationsExecuted).as("a second run finds nothing to do").isZero();

            try (Connection c = pool.getConnection()) {
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO note(account_id, body) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                    insert.setLong(1, 1);
                    insert.setString(2, "first note");
                    assertThat(insert.executeUpdate()).isEqualTo(1);
                    try (ResultSet keys = insert.getGeneratedKeys()) {
                        assertThat(keys.next()).isTrue();
                        assertThat(keys.getLong(1)).isEqualTo(1);
                    }
                    insert.setLong(1, 2);
                    insert.setNull(2, java.sql.Types.VARCHAR);
                    insert.executeUpdate();
                }
                try (PreparedStatement update = c.prepareStatement("UPDATE account SET balance = balance + ? WHERE owner = ?")) {
                    update.setInt(1, 50);
                    update.setString(2, "ada");
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
                try (Statement s = c.createStatement()) {
                    assertThat(s.executeUpdate("DELETE FROM note WHERE body IS NULL")).isEqualTo(1);
                    try (ResultSet rs = s.executeQuery("SELECT a.owner, a.balance, n.body, length(n.tag) FROM account a "
                            + "LEFT JOIN note n ON n.account_id = a.id ORDER BY a.id")) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString("owner")).isEqualTo("ada");
                        assertThat(rs.getInt(2)).isEqualTo(150);
                        assertThat(rs.getString(3)).isEqualTo("first note");
                        assertThat(rs.getInt(4)).isEqualTo(4);
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString("owner")).isEqualTo("grace");
                        assertThat(rs.getString(3)).isNull();
                        assertThat(rs.wasNull()).isTrue();
                        assertThat(rs.next()).isFalse();
                    }
                    assertThatThrownBy(() -> s.executeUpdate("INSERT INTO account(owner, balance) VALUES ('ada', 1)"))
                            .isInstanceOf(SQLException.class)
                            .hasMessageContaining("UNIQUE constraint failed: account.owner")
                            .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(19));
                }
            }
        }
        long index = highestAppliedIndex();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rowsOn(node, "SELECT version, success FROM flyway_schema_history ORDER BY installed_rank", index))
                    .isEqualTo("[[\"1\",true],[\"2\",true]]"); // success is a BOOLEAN column, rendered as rqlite does
            assertThat(rowsOn(node, "SELECT owner, balance FROM account ORDER BY id", index))
                    .isEqualTo("[[\"ada\",150],[\"grace\",250]]");
        }
        assertReplicasAgree(cluster.nodes());
    }

    @Test
    void uncommittedWritesAreInvisibleElsewhereAndCommittedOnesAreOnEveryNode() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        try (Connection writer = DriverManager.getConnection(url(List.of(follower, leader), ""));
             Connection reader = DriverManager.getConnection(url(List.of(follower, leader), "?level=none"))) {
            try (Statement s = writer.createStatement()) {
                s.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT)");
            }
            writer.setAutoCommit(false);
            try (PreparedStatement insert = writer.prepareStatement("INSERT INTO item(id, name) VALUES (?, ?)")) {
                insert.setInt(1, 1);
                insert.setString(2, "pending");
                insert.executeUpdate();
            }
            try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM item")) {
                assertThat(rs.next()).as("the transaction sees its own write").isTrue();
                assertThat(rs.getString(1)).isEqualTo("pending");
            }
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM item")) {
                rs.next();
                assertThat(rs.getInt(1)).as("another connection does not").isZero();
            }
            long before = highestAppliedIndex();
            for (ServerProcess node : cluster.nodes()) {
                assertThat(rowsOn(node, "SELECT count(*) FROM item", before)).isEqualTo("[[0]]");
            }
            writer.commit();
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM item")) {
                assertThat(rs.next()).as("read-your-writes: the follower waits for the commit's index").isTrue();
                assertThat(rs.getString(1)).isEqualTo("pending");
            }
        }
        long index = highestAppliedIndex();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rowsOn(node, "SELECT id, name FROM item", index)).isEqualTo("[[1,\"pending\"]]");
        }
        assertReplicasAgree(cluster.nodes());
    }

    @Test
    void concurrentTransfersNeverChangeTheTotalAndEveryNodeAgrees() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("bank seed=" + seed);
        int accounts = 8;
        int workers = 4;
        int transfersEach = 60;
        cluster = ProcessCluster.start(dir, 3);
        try (HikariDataSource pool = pool(workers + 1)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bank(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
                s.execute("CREATE TABLE transfer(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, amount INTEGER,"
                        + " at TEXT DEFAULT CURRENT_TIMESTAMP)");
                s.execute("WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < " + accounts
                        + ") INSERT INTO bank(id, balance) SELECT id, 1000 FROM n");
            }
            AtomicInteger committed = new AtomicInteger();
            AtomicInteger retries = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService threads = Executors.newFixedThreadPool(workers + 1);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Random rnd = new Random(seed + w);
                futures.add(threads.submit(() -> {
                    for (int i = 0; i < transfersEach; i++) {
                        int src = 1 + rnd.nextInt(accounts);
                        int dst = 1 + (src + rnd.nextInt(accounts - 1)) % accounts;
                        int amount = 1 + rnd.nextInt(50);
                        while (true) {
                            try (Connection c = pool.getConnection()) {
                                if (transfer(c, src, dst, amount)) {
                                    committed.incrementAndGet();
                                }
                                break;
                            } catch (SQLTransactionRollbackException e) {
                                retries.incrementAndGet(); // aborted, nothing applied: run it again
                            }
                        }
                    }
                    return null;
                }));
            }
            futures.add(threads.submit(() -> {
                while (!done.get()) {
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT sum(balance) FROM bank")) {
                        rs.next();
                        assertThat(rs.getLong(1)).as("the total, read between transactions").isEqualTo(1000L * accounts);
                    }
                    Thread.sleep(20);
                }
                return null;
            }));
            for (int w = 0; w < workers; w++) {
                futures.get(w).get();
            }
            done.set(true);
            futures.get(workers).get();
            threads.shutdown();
            System.out.println("bank: " + committed.get() + " transfers committed, " + retries.get() + " retried");

            long index = highestAppliedIndex();
            for (ServerProcess node : cluster.nodes()) {
                assertThat(rowsOn(node, "SELECT sum(balance), min(balance) >= 0 FROM bank", index))
                        .isEqualTo("[[" + 1000L * accounts + ",1]]");
                assertThat(rowsOn(node, "SELECT count(*) FROM transfer", index))
                        .isEqualTo("[[" + committed.get() + "]]");
            }
            assertReplicasAgree(cluster.nodes());
        }
    }

    /** Moves {@code amount} from one account to another if it is covered; returns whether it did. */
    private static boolean transfer(Connection c, int src, int dst, int amount) throws SQLException {
        c.setAutoCommit(false);
        try {
            long balance;
            try (PreparedStatement read = c.prepareStatement("SELECT balance FROM bank WHERE id = ?")) {
                read.setInt(1, src);
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    balance = rs.getLong(1);
                }
            }
            if (balance < amount) {
                c.rollback();
                return false;
            }
            // Read-modify-write with the value read above: only correct if nobody wrote in between.
            try (PreparedStatement debit = c.prepareStatement("UPDATE bank SET balance = ? WHERE id = ?");
                 PreparedStatement credit = c.prepareStatement("UPDATE bank SET balance = balance + ? WHERE id = ?");
                 PreparedStatement log = c.prepareStatement("INSERT INTO transfer(src, dst, amount) VALUES (?, ?, ?)")) {
                debit.setLong(1, balance - amount);
                debit.setInt(2, src);
                debit.executeUpdate();
                credit.setInt(1, amount);
                credit.setInt(2, dst);
                credit.executeUpdate();
                log.setInt(1, src);
                log.setInt(2, dst);
                log.setInt(3, amount);
                log.executeUpdate();
            }
            c.commit();
            return true;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the transaction is already gone on the server
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    @Test
    void aFollowerSendsTransactionsToTheLeaderAndAWriteItForwardsMeanwhileMakesTheCommitConflict() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        assertThat(cluster.post(leader, "/db/execute", "[\"CREATE TABLE c(id INTEGER PRIMARY KEY, v TEXT)\"]")).isNotNull();

        var redirect = cluster.send(follower, "POST", "/db/tx?idle_timeout=5s", "");
        assertThat(redirect.statusCode()).isEqualTo(307);
        assertThat(redirect.headers().firstValue("Location")).hasValue(leader.baseUrl() + "/db/tx?idle_timeout=5s");

        String tx = cluster.post(leader, "/db/tx", "[[\"INSERT INTO c VALUES (1, 'tx')\"]]").path("tx").asText();
        long committed = cluster.get(leader, "/status").path("store").path("raft").path("commit_index").asLong();
        // A plain write through the follower reaches the leader's log directly, not through its paused batcher:
        // it commits, and waits to be applied until the transaction ends.
        var forwarded = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                cluster.post(follower, "/db/execute", "[[\"INSERT INTO c VALUES (2, 'plain')\"]]"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cluster.get(leader, "/status").path("store").path("raft").path("commit_index").asLong() <= committed) {
            assertThat(System.nanoTime()).as("the forwarded write commits").isLessThan(deadline);
            Thread.sleep(20);
        }
        var commit = cluster.send(leader, "POST", "/db/tx/" + tx + "/commit", null);
        assertThat(commit.statusCode()).isEqualTo(409);
        assertThat(commit.body()).isEqualTo("{\"error\":\"transaction " + tx + " was not committed: another write "
                + "reached the log while it ran; retry it\"}");
        assertThat(forwarded.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("the forwarded write").isNotNull();
        long index = highestAppliedIndex();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rowsOn(node, "SELECT id, v FROM c ORDER BY id", index)).isEqualTo("[[2,\"plain\"]]");
        }
    }

    @Test
    void killingTheLeaderMidTransactionAbortsItAndARetryCommitsOnTheNewLeader() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        try (Connection c = DriverManager.getConnection(url(cluster.nodes(), "?timeout=20s"))) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE marker(name TEXT PRIMARY KEY)");
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO marker VALUES ('doomed-1')");
            }
            ServerProcess leader = cluster.leader();
            leader.kill9();
            assertThatThrownBy(() -> {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO marker VALUES ('doomed-2')");
                }
            }).isInstanceOf(SQLTransactionRollbackException.class).isInstanceOf(SQLTransientException.class);
            c.rollback();

            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO marker VALUES ('retried')");
            }
            c.commit();
            c.setAutoCommit(true);

            List<ServerProcess> survivors = cluster.nodes().stream().filter(n -> n != leader).toList();
            long index = survivors.stream().mapToLong(this::appliedIndexOf).max().orElseThrow();
            for (ServerProcess node : survivors) {
                assertThat(rowsOn(node, "SELECT name FROM marker ORDER BY name", index)).isEqualTo("[[\"retried\"]]");
            }
            leader.start();
            assertThat(rowsOn(leader, "SELECT name FROM marker ORDER BY name", index))
                    .as("the killed leader, restarted, holds nothing of the aborted transaction")
                    .isEqualTo("[[\"retried\"]]");
            assertReplicasAgree(cluster.nodes());
        }
    }

    /**
     * A statement string of several statements sent to a follower (forwarded to the leader, with time and
     * randomness in it), read weakly through a follower, and run through the driver: every replica applies all of
     * it alike.
     */
    @Test
    void multiStatementStringsThroughAFollowerAndTheDriverLeaveEveryReplicaEqual() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        JsonNode written = cluster.post(follower, "/db/execute", "[\"CREATE TABLE m(id INTEGER PRIMARY KEY,"
                + " r INTEGER DEFAULT (random()), at TEXT DEFAULT CURRENT_TIMESTAMP);"
                + " INSERT INTO m(id) VALUES(1); INSERT INTO m(id) SELECT 2 UNION ALL SELECT 3;"
                + " UPDATE m SET r = r + abs(random() % 7) WHERE id > 1\"]");
        assertThat(written).as("answer of the follower").isNotNull();
        assertThat(written.path("results").toString()).isEqualTo("[{\"last_insert_id\":3,\"rows_affected\":2}]");
        JsonNode weak = cluster.post(follower, "/db/query?level=weak", "[\"SELECT 1; SELECT count(*) AS n FROM m\"]");
        assertThat(weak.path("results").toString()).as("a weak read forwarded to the leader runs every statement")
                .isEqualTo("[{\"columns\":[\"n\"],\"types\":[\"integer\"],\"values\":[[3]]}]");

        try (Connection c = DriverManager.getConnection(url(cluster.nodes(), "")); Statement s = c.createStatement()) {
            assertThat(s.execute("INSERT INTO m(id) VALUES(4); INSERT INTO m(id) VALUES(5);")).isFalse();
            assertThat(s.getUpdateCount()).isEqualTo(1);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO m(id) VALUES(?); INSERT INTO m(id) VALUES(?)")) {
                p.setInt(1, 6);
                p.setInt(2, 7);
                assertThat(p.executeUpdate()).isEqualTo(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT 0; SELECT group_concat(id) FROM m")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("1,2,3,4,5,6,7");
            }
        }
        long index = highestAppliedIndex();
        for (ServerProcess node : cluster.nodes()) {
            assertThat(rowsOn(node, "SELECT count(*) FROM m", index)).isEqualTo("[[7]]");
        }
        assertReplicasAgree(cluster.nodes());
    }
}
