package io.halite.server.cli;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.NodeConfig;
import io.halite.server.http.HttpApi;
import io.halite.server.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite serve}: runs a node until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs a Halite node. With no flags: one node, data in ./halite-data, HTTP API on 127.0.0.1:4001, Raft on 127.0.0.1:4002.",
            "",
            "Every write is committed to the Raft log (fsynced) before it is acknowledged. SIGTERM stops cleanly; a restart on the same --data-dir resumes where the node left off.",
            ""
        })
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--node-id", defaultValue = "node1", description = "This node's id, unique in the cluster (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--data-dir", defaultValue = "halite-data", description = "Directory for the Raft log and the SQLite database (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--http-addr", defaultValue = "127.0.0.1:4001", description = "host:port the HTTP API listens on (default: ${DEFAULT-VALUE}).")
    String httpAddr;

    @Option(names = "--raft-addr", defaultValue = "127.0.0.1:4002", description = "host:port for Raft traffic between nodes (default: ${DEFAULT-VALUE}).")
    String raftAddr;

    @Option(names = "--peers", paramLabel = "id@host:port,...",
            description = "Bootstrap a cluster: every voting member's id and Raft address, this node included (e.g. n1@10.0.0.1:4002,n2@10.0.0.2:4002,n3@10.0.0.3:4002). Start every member with the same list. Preview: see the README.")
    String peers;

    @Option(names = "--max-body-size", defaultValue = "16MB", converter = Sizes.class,
            description = "Largest HTTP request body; larger ones get 413 (default: ${DEFAULT-VALUE}). /db/load of a SQLite file is not limited.")
    long maxBodyBytes;

    @Option(names = "--max-request-size", defaultValue = "8MB", converter = Sizes.class,
            description = "Largest single write request once encoded for the log; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--foreign-keys", description = "Enforce foreign key constraints (PRAGMA foreign_keys=ON on every replica).")
    boolean foreignKeys;

    @Option(names = "--read-connections", defaultValue = "8", description = "Read-only SQLite connections serving reads (default: ${DEFAULT-VALUE}).")
    int readConnections;

    @Option(names = "--election-timeout", defaultValue = "1s", converter = Durations.class,
            description = "A follower that hears no leader for this long (up to twice it) calls an election (default: ${DEFAULT-VALUE}).")
    Duration electionTimeout;

    @Option(names = "--snapshot-entries", defaultValue = "4096",
            description = "Log entries between durable points after which the Raft log is purged (default: ${DEFAULT-VALUE}).")
    long snapshotEntries;

    @Override
    public Integer call() throws Exception {
        HostPort http = HostPort.parse(httpAddr, "--http-addr");
        HostPort.parse(raftAddr, "--raft-addr");
        NodeConfig config = new NodeConfig(nodeId, dataDir.toAbsolutePath(), raftAddr,
                peers == null ? List.of() : Peers.parse(peers, nodeId, raftAddr),
                new SqliteDatabase.Options(readConnections, foreignKeys), maxRequestBytes, 1L << 20, 4,
                electionTimeout, snapshotEntries, "http://" + httpAddr);
        HaliteNode node = HaliteNode.start(config, fatal -> {
            LOG.error("stopping: the database can no longer apply the replicated log", fatal);
            Runtime.getRuntime().halt(70);
        });
        HttpServer server = new HttpServer(http.host(), http.port(),
                new HttpApi(node, config.apiAddress(), maxBodyBytes, HaliteCommand.version()));
        try {
            server.start();
        } catch (Exception e) {
            node.close();
            throw new IllegalStateException("cannot listen on " + httpAddr + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            try {
                server.close();
                node.close();
            } catch (Exception e) {
                LOG.warn("error while shutting down", e);
            }
            stopped.countDown();
        }, "halite-shutdown"));
        LOG.info("Halite {} serving HTTP on http://{} (data in {})", HaliteCommand.version(), httpAddr, config.dataDir());
        if (node.awaitReady(Duration.ofSeconds(30))) {
            LOG.info("ready: leader is {}", node.status().leaderId());
        } else {
            LOG.warn("no leader yet; requests will wait for one");
        }
        stopped.await();
        return 0;
    }
}
