package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statement strings holding several statements on three real nodes: sent to a follower (forwarded to the leader),
 * with time and randomness in them, and through the JDBC driver; every replica ends with the same content.
 */
class MultiStatementClusterTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failure keeps the nodes' logs
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String q(String json) {
        return json.replace('\'', '"');
    }

    @Test
    void aMultiStatementWriteSentToAFollowerAndThroughJdbcLeavesEveryReplicaEqual() throws Exception {
        cluster = ProcessCluster.start(dir, 3);
        ServerProcess leader = cluster.leader();
        ServerProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();

        JsonNode written = cluster.post(follower, "/db/execute?raft_index", q("['CREATE TABLE m(id INTEGER PRIMARY KEY,"
                + " r INTEGER DEFAULT (random()), at TEXT DEFAULT CURRENT_TIMESTAMP);"
                + " INSERT INTO m(id) VALUES(1); INSERT INTO m(id) SELECT 2 UNION ALL SELECT 3;"
                + " UPDATE m SET r = r + abs(random() % 7) WHERE id > 1']"));
        assertThat(written).as("answer of the follower").isNotNull();
        assertThat(written.path("results").toString()).isEqualTo(q("[{'last_insert_id':3,'rows_affected':2}]"));
        JsonNode weak = cluster.post(follower, "/db/query?level=weak", q("['SELECT 1; SELECT count(*) AS n FROM m']"));
        assertThat(weak.path("results").toString())
                .as("a weak read forwarded to the leader runs every statement too")
                .isEqualTo(q("[{'columns':['n'],'types':['integer'],'values':[[3]]}]"));

        String url = "jdbc:halite://" + cluster.nodes().stream().map(n -> n.baseUrl().substring("http://".length()))
                .collect(Collectors.joining(",")) + "/";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
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

        long index = cluster.nodes().stream()
                .mapToLong(n -> cluster.get(n, "/status").path("store").path("raft").path("applied_index").asLong())
                .max().orElseThrow();
        List<String> sums = new ArrayList<>();
        for (ServerProcess node : cluster.nodes()) {
            sums.add(cluster.checksumOnceApplied(node, index).replaceFirst("^\\d+/", ""));
            JsonNode rows = cluster.get(node, "/db/query?level=none&min_index=" + index + "&q="
                    + URLEncoder.encode("SELECT count(*) FROM m", StandardCharsets.UTF_8));
            assertThat(rows.path("results").get(0).path("values").toString()).isEqualTo("[[7]]");
        }
        assertThat(sums).as("content checksums of every node").containsOnly(sums.get(0));
    }
}
