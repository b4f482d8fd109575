package io.halite.server.cli;

import io.halite.backup.BackupCatalog;
import io.halite.backup.BackupSettings;
import io.halite.backup.BackupUploader;
import io.halite.backup.Restorer;
import io.halite.backup.target.BackupTarget;
import io.halite.core.engine.DurableFile;
import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.ForeignClusterException;
import io.halite.core.node.HaliteNode;
import io.halite.core.node.NodeConfig;
import io.halite.core.node.NodeStop;
import io.halite.server.auth.AuthHandler;
import io.halite.server.auth.Authenticator;
import io.halite.server.auth.LeaderUserCheck;
import io.halite.server.auth.PeerCredentials;
import io.halite.server.auth.UsersFile;
import io.halite.server.http.DiscoveryResponder;
import io.halite.server.http.HttpApi;
import io.halite.server.http.HttpServer;
import io.halite.server.http.MemberCopyFetcher;
import io.halite.server.http.MembersOnlyJoin;
import io.halite.server.http.RequestMeters;
import io.halite.server.http.ServerMetrics;
import io.halite.server.tls.ServeTls;
import io.halite.server.tls.TlsFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halite serve}: runs a node until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = EnvironmentOptions.class,
        description = {
            "Runs a Halite node. With no flags: one node, data in ./halite-data, HTTP API on 127.0.0.1:4001, Raft on 127.0.0.1:4002.",
            "",
            "Every write is committed to the Raft log (fsynced) before it is acknowledged. SIGTERM stops cleanly; a restart on the same --data-dir resumes where the node left off.",
            "",
            "Every option can also be set by an environment variable HALITE_<OPTION>: the option's name in upper case, '-' as '_' (HALITE_PEERS, HALITE_BACKUP, HALITE_STATEMENT_BUDGET). A flag wins over its variable. Secrets (--s3-access-key, --s3-secret-key, --azure-connection-string, --azure-sas-token, --azure-account-key) can also be read from the file named by HALITE_<OPTION>_FILE (HALITE_S3_SECRET_KEY_FILE); the Azure ones are taken from the environment only.",
            ""
        })
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    /**
     * On SIGTERM, requests in flight get this long to finish; a statement still running then (a long read, or a
     * runaway write that its budget would stop only later) is stopped, and its log entry is applied again at the
     * next start.
     */
    private static final Duration STATEMENT_GRACE = Duration.ofSeconds(2);
    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a host name that is a valid id, and for a node that never had one. */
    private static final String FALLBACK_NODE_ID = "node1";
    private static final String NODE_ID_FILE = "node-id";
    static final String NODE_PASSWORD_VARIABLE = "HALITE_NODE_PASSWORD";

    @Option(names = "--node-id", description = "This node's id, unique in the cluster (default: the host name if it is a valid id, as a StatefulSet's halite-0, halite-1, ...; else node1).")
    String nodeId;

    @Option(names = "--data-dir", defaultValue = "halite-data", description = "Directory for the Raft log and the SQLite database (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--http-addr", defaultValue = "127.0.0.1:4001", description = "host:port the HTTP API listens on (default: ${DEFAULT-VALUE}).")
    String httpAddr;

    @Option(names = "--raft-addr", defaultValue = "127.0.0.1:4002", description = "host:port for Raft traffic between nodes (default: ${DEFAULT-VALUE}).")
    String raftAddr;

    @Option(names = "--http-adv-addr", paramLabel = "host:port",
            description = "host:port other nodes and clients are told to reach the HTTP API at (default: --http-addr, with this machine's host name if it binds 0.0.0.0 or [::]).")
    String httpAdvAddr;

    @Option(names = "--raft-adv-addr", paramLabel = "host:port",
            description = "host:port other members reach Raft at, as listed in --peers or sent with --join (default: --raft-addr, with this machine's host name if it binds 0.0.0.0 or [::]).")
    String raftAdvAddr;

    @Option(names = "--peers", paramLabel = "id@host:port,...",
            description = "Bootstrap a cluster: every voting member's id and Raft address, this node included (e.g. n1@10.0.0.1:4002,n2@10.0.0.2:4002,n3@10.0.0.3:4002). Start every member with the same list.")
    String peers;

    @Option(names = "--join", paramLabel = "URL[,URL...]", split = ",",
            description = "Join a running cluster: the HTTP API of one or more of its members (e.g. http://10.0.0.1:4001). The node is added once it has caught up; restarting a member with the same flag changes nothing.")
    List<java.net.URI> join;

    @Option(names = "--non-voter", description = "With --join: join as a non-voting member, a read replica that receives every write but does not vote.")
    boolean nonVoter;

    @Option(names = "--remove-on-shutdown",
            description = "With --non-voter: on SIGTERM, remove this node from the cluster before it stops, for read replicas that come and go. Voters refuse it: removing a voter on every restart would shrink the quorum.")
    boolean removeOnShutdown;

    @Option(names = "--metrics-addr", paramLabel = "host:port",
            description = "Also serve /metrics, /livez and /readyz (and nothing else) on this plain HTTP listener, for monitoring that must not reach the API (default: none; /metrics is on --http-addr too).")
    String metricsAddr;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json", converter = LogFormat.Converter.class,
            description = "Log lines on stderr as text or as one JSON object a line for log shippers (default: ${DEFAULT-VALUE}). HALITE_LOG_FORMAT sets it for every halite command.")
    LogFormat logFormat;

    @Option(names = "--bootstrap-expect", paramLabel = "N",
            description = "With --join-dns: start a new cluster once N nodes (this one included) have found each other, all with the same N voting members; a node that finds a running cluster joins it instead (as a voter). A node restarted on its data directory skips discovery.")
    Integer bootstrapExpect;

    @Option(names = "--join-dns", paramLabel = "NAME",
            description = "With --bootstrap-expect: find the other nodes at every address NAME resolves to (A/AAAA records, e.g. a Kubernetes headless service), asking each at --join-dns-port.")
    String joinDns;

    @Option(names = "--join-dns-port", paramLabel = "PORT",
            description = "The HTTP API port at the addresses of --join-dns (default: the port of --http-addr, as every pod of a StatefulSet listens on the same one).")
    Integer joinDnsPort;

    @Option(names = "--bootstrap-timeout", defaultValue = "2m", converter = Durations.class,
            description = "How long --bootstrap-expect looks for the other nodes before the node exits with an error saying what it found (default: ${DEFAULT-VALUE}).")
    Duration bootstrapTimeout;

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

    @Option(names = "--statement-budget", defaultValue = "5000000000", paramLabel = "STEPS",
            description = "The most SQLite virtual machine steps one statement may take before it is stopped with an error (default: ${DEFAULT-VALUE}, about 35 s of a runaway recursive query on a small machine; a GROUP BY over a 1 GB table takes well under a tenth of it). Every write carries the budget of the node that proposed it, so all replicas stop a statement alike. Reads here use it too.")
    long statementBudget;

    @Option(names = "--election-timeout", defaultValue = "1s", converter = Durations.class,
            description = "A follower that hears no leader for this long (up to twice it) calls an election (default: ${DEFAULT-VALUE}).")
    Duration electionTimeout;

    @Option(names = "--shutdown-timeout", defaultValue = "20s", converter = Durations.class,
            description = "On SIGTERM the node stops reporting ready, a leader hands leadership to the most caught-up voter (taking at most half of this), then the node stops; a process still running after this long halts with code 1 (a clean stop exits with 0; default: ${DEFAULT-VALUE}, under Kubernetes' 30 s grace period).")
    Duration shutdownTimeout;

    @Option(names = "--snapshot-entries", defaultValue = "4096",
            description = "Log entries between durable points after which the Raft log is purged (default: ${DEFAULT-VALUE}).")
    long snapshotEntries;

    @Option(names = "--backup", paramLabel = "URL",
            description = "Back up continuously to file:///path (a local or mounted directory), s3://bucket/prefix or az://account/container/prefix (Azure Blob Storage). A node started with an empty --data-dir restores the latest backup first.")
    java.net.URI backup;

    @Option(names = "--backup-interval", defaultValue = "500ms", converter = Durations.class,
            description = "How often committed writes are shipped to the backup (default: ${DEFAULT-VALUE}).")
    Duration backupInterval;

    @Option(names = "--backup-sync", description = "Acknowledge a write only once it is stored in the backup: nothing acknowledged is lost even if every node is.")
    boolean backupSync;

    @Option(names = "--backup-base-interval", defaultValue = "24h", converter = Durations.class,
            description = "Take a new base copy of the database this often (default: ${DEFAULT-VALUE}).")
    Duration backupBaseInterval;

    @Option(names = "--backup-base-log-size", defaultValue = "256MB", converter = Sizes.class,
            description = "... or once this much compressed log was shipped since the last one (default: ${DEFAULT-VALUE}).")
    long backupBaseLogBytes;

    @Option(names = "--backup-retention", defaultValue = "7d", converter = Durations.class,
            description = "Keep every point in this window restorable (default: ${DEFAULT-VALUE}).")
    Duration backupRetention;

    @Option(names = "--backup-keep-bases", defaultValue = "2",
            description = "Keep at least this many base copies, however old (default: ${DEFAULT-VALUE}).")
    int backupKeepBases;

    @Option(names = "--auth", paramLabel = "FILE",
            description = "Require authentication on every endpoint but /livez: the users file, JSON in rqlite's shape [{\"username\": ..., \"password_hash\": ..., \"perms\": [...]}] (hashes from 'halite passwd'). Read again on SIGHUP and whenever it changes; a bad file leaves the users in force.")
    Path auth;

    @Option(names = "--node-user", paramLabel = "USER",
            description = "The user this node presents to other members' HTTP APIs in a cluster run with --auth (--join, catch-up copies of the database); it needs the join (or join-read-only), status and backup permissions. Its password comes from --node-password-file, else HALITE_NODE_PASSWORD.")
    String nodeUser;

    @Option(names = "--node-password-file", paramLabel = "FILE", description = "File holding --node-user's password.")
    Path nodePasswordFile;

    @Option(names = "--backup-lease", defaultValue = "wait", paramLabel = "wait|fail",
            description = "One cluster writes to a backup destination at a time: the one whose leader holds its lease. When another holds it, wait: serve but do not upload, and take the lease once it is released or expires; fail: exit at start (default: ${DEFAULT-VALUE}).")
    LeaseMode backupLease;

    @Option(names = "--backup-lease-time", defaultValue = "30s", converter = Durations.class,
            description = "A lease not renewed for this long expires, so a backup writer that died is replaced after it (default: ${DEFAULT-VALUE}).")
    Duration backupLeaseTime;

    /** {@code --backup-lease}: what a node does when another writer holds the backup's lease. */
    enum LeaseMode { wait, fail }

    @CommandLine.Mixin
    BackupStorageOptions storage;

    /** The credentials this node presents to other members: none without --node-user. */
    private PeerCredentials peerCredentials() {
        if (nodeUser == null) {
            if (nodePasswordFile != null) {
                throw invalid("--node-password-file needs --node-user");
            }
            return PeerCredentials.NONE;
        }
        try {
            char[] password = Passwords.read(nodePasswordFile, NODE_PASSWORD_VARIABLE, System.getenv(), null);
            try {
                return PeerCredentials.basic(nodeUser, password);
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
        } catch (Passwords.Missing e) {
            throw invalid("--node-user " + nodeUser + ": " + e.getMessage().replace("give a password file",
                    "give --node-password-file"));
        }
    }

    /** Re-reads the users file on SIGHUP (which would otherwise stop the JVM, as SIGTERM does). */
    private static void reloadOnHangup(UsersFile users) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
            LOG.info("SIGHUP: reading the users file {} again", users.path());
            users.reloadNow();
        });
    }

    /** A secret given as a flag is visible to every user of this machine (ps, /proc): say so once. */
    private void warnAboutSecretFlags() {
        for (String option : BackupStorageOptions.SECRET_OPTIONS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                LOG.warn("{} was given on the command line, where any user of this machine can read it; set {}_FILE "
                        + "(a file) or {} instead", option, EnvironmentOptions.variable(spec.findOption(option)),
                        EnvironmentOptions.variable(spec.findOption(option)));
            }
        }
    }

    @CommandLine.Mixin
    TlsOptions tls;

    private SqliteDatabase.Options databaseOptions() {
        try {
            return new SqliteDatabase.Options(readConnections, foreignKeys, statementBudget);
        } catch (IllegalArgumentException e) {
            throw invalid("--statement-budget: " + e.getMessage());
        }
    }

    /** Whether {@code option} was given, as a flag or in the environment, rather than left at its default. */
    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option)
                || spec.defaultValueProvider() instanceof EnvironmentOptions environment
                && environment.sets(spec.findOption(option));
    }

    /**
     * The node id when none is given. A node keeps its id across restarts (its Raft configuration names it): the id
     * recorded in the data directory at its last start; node1, the old default, for a directory that holds a node's
     * state from before ids were recorded; else the host name if it is a valid node id (a StatefulSet's pods are
     * halite-0, halite-1, ...), else node1.
     */
    static String defaultNodeId(Path dataDir, java.util.Optional<String> hostName) throws java.io.IOException {
        Path recorded = dataDir.resolve(NODE_ID_FILE);
        if (Files.exists(recorded)) {
            return Files.readString(recorded, StandardCharsets.UTF_8).strip();
        }
        if (HaliteNode.hasRaftState(dataDir)) {
            return FALLBACK_NODE_ID;
        }
        return hostName.filter(name -> NODE_ID.matcher(name).matches()).orElse(FALLBACK_NODE_ID);
    }

    /** Records the id this data directory's node runs as (see {@link #defaultNodeId}), durably. */
    private static void recordNodeId(Path dataDir, String id) throws java.io.IOException {
        Files.createDirectories(dataDir);
        Path recorded = dataDir.resolve(NODE_ID_FILE);
        if (Files.exists(recorded) && Files.readString(recorded, StandardCharsets.UTF_8).strip().equals(id)) {
            return;
        }
        DurableFile.replace(recorded, (id + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * What others are told to reach {@code bound} at: {@code advertised} if given, else {@code bound} itself, with
     * the host name in place of a wildcard host (0.0.0.0 or [::] is nobody's address but one's own).
     */
    static String advertisedAddress(String advertised, String advertisedOption, HostPort bound,
                                    java.util.Optional<String> hostName) {
        if (advertised != null) {
            HostPort given = HostPort.parse(advertised, advertisedOption);
            if (isWildcard(given.host())) {
                throw new CommandLine.ParameterException(new CommandLine(new HaliteCommand()),
                        advertisedOption + " must name an address others can reach, not '" + advertised + "'");
            }
            return advertised;
        }
        if (!isWildcard(bound.host())) {
            return bound.host() + ":" + bound.port();
        }
        return hostName.orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(new HaliteCommand()),
                "this machine has no host name to advertise for " + bound.host() + ":" + bound.port()
                        + "; give " + advertisedOption)) + ":" + bound.port();
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::");
    }

    private void validateMembership() {
        if (!NODE_ID.matcher(nodeId).matches()) {
            throw invalid("--node-id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (join != null && peers != null) {
            throw invalid("--join and --peers exclude each other: --peers starts a new cluster, --join enters a running one");
        }
        if (nonVoter && join == null) {
            throw invalid("--non-voter needs --join: a non-voting member joins a running cluster");
        }
        if (removeOnShutdown && !nonVoter) {
            throw invalid("--remove-on-shutdown is for non-voting members (--join with --non-voter): removing a "
                    + "voter on every restart would shrink the cluster's quorum");
        }
        if (backup == null && (backupSync || given("--backup-interval") || given("--backup-lease")
                || given("--backup-lease-time"))) {
            throw invalid("--backup-sync, --backup-interval, --backup-lease and --backup-lease-time need --backup");
        }
        if (backupLeaseTime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw invalid("--backup-lease-time must be at least 1s");
        }
        validateDiscovery();
        String conflict = tls.conflict();
        if (conflict != null) {
            throw invalid(conflict);
        }
        if (join != null) {
            for (java.net.URI member : join) {
                if (!List.of("http", "https").contains(member.getScheme()) || member.getHost() == null
                        || member.getPort() <= 0) {
                    throw invalid("--join takes member API URLs such as http://10.0.0.1:4001, not '" + member + "'");
                }
                if (tls.nodeTls() && !"https".equals(member.getScheme())) {
                    throw invalid("--join must use https:// URLs with --node-cert (members talk over mutual TLS), "
                            + "not '" + member + "'");
                }
            }
        }
    }

    private void validateDiscovery() {
        if ((bootstrapExpect == null) != (joinDns == null)) {
            throw invalid("--bootstrap-expect and --join-dns go together: the number of nodes that start the cluster, "
                    + "and the name whose addresses they are found at");
        }
        if (joinDns == null) {
            if (joinDnsPort != null || given("--bootstrap-timeout")) {
                throw invalid("--join-dns-port and --bootstrap-timeout need --join-dns");
            }
            return;
        }
        if (peers != null || join != null) {
            throw invalid("--join-dns excludes --peers and --join: it finds the members itself");
        }
        if (bootstrapExpect < 1) {
            throw invalid("--bootstrap-expect must be at least 1, not " + bootstrapExpect);
        }
        if (joinDns.isBlank() || joinDns.contains(":") || joinDns.contains("/")) {
            throw invalid("--join-dns takes a DNS name such as halite.default.svc.cluster.local, not '" + joinDns
                    + "' (the port comes from --join-dns-port)");
        }
        if (joinDnsPort != null && (joinDnsPort < 1 || joinDnsPort > 65535)) {
            throw invalid("--join-dns-port must be a port from 1 to 65535, not " + joinDnsPort);
        }
        if (bootstrapTimeout.isZero() || bootstrapTimeout.isNegative()) {
            throw invalid("--bootstrap-timeout must be positive");
        }
    }

    /** Starts an HTTP listener on {@code http} serving {@code handler}, over HTTPS if {@code tls} says so. */
    private static HttpServer listen(HostPort http, org.eclipse.jetty.server.Handler handler, ServeTls tls) {
        HttpServer server = new HttpServer(http.host(), http.port(), handler, tls == null ? null : tls.https());
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw new IllegalStateException("cannot listen on " + http.host() + ":" + http.port() + ": "
                    + e.getMessage(), e);
        }
        return server;
    }

    /**
     * A node restarted with --join keeps its Raft state if it is still a member (or nobody answers: the whole
     * cluster may be restarting). If the cluster answers without it, it was removed while it was away: its old
     * state would only make it call elections the others refuse, so it is discarded and the node joins afresh.
     */
    private void forgetClusterIfRemoved(Joiner joiner) throws Exception {
        var cluster = joiner.members();
        if (cluster.isPresent() && cluster.get().stream().noneMatch(m -> m.id().equals(nodeId))) {
            LOG.warn("this node is not a member of the cluster any more (it was removed): discarding its data "
                    + "to join again as a new node");
            HaliteNode.discardState(dataDir.toAbsolutePath());
        }
    }

    /**
     * The init-container pattern, built in: a node that starts with nothing restores the latest backup, so it
     * comes back with every write the backup holds. A broken backup stops the start rather than starting empty.
     */
    private void restoreLatest(BackupTarget target, NodeConfig config) throws java.io.IOException {
        try {
            Restorer.Result restored = Restorer.restore(BackupCatalog.read(target), BackupCatalog.RestorePoint.latest(),
                    HaliteNode.databaseFile(config.dataDir()), config.database());
            LOG.info("restored the latest backup from {}: generation {}, index {} (written {})", target.describe(),
                    restored.generation(), restored.index(), java.time.Instant.ofEpochMilli(restored.timeMillis()));
        } catch (BackupCatalog.NoBackupException e) {
            LOG.info("no backup to restore in {} yet: starting with an empty database", target.describe());
        }
    }

    private static HaliteNode startNode(NodeConfig config, ServeTls tls, PeerCredentials credentials,
                                        ServerMetrics metrics) throws java.io.IOException {
        return HaliteNode.start(config, tls.node(), new MemberCopyFetcher(tls.memberApiClient(), credentials),
                ServeCommand::exit, metrics.registry());
    }

    /** The exit code of a node whose data directory belongs to another cluster: 78 (EX_CONFIG). */
    static final int FOREIGN_CLUSTER_EXIT = 78;

    /**
     * Ends the process at once, with a last log line saying why, so that its supervisor starts it again: 75
     * (EX_TEMPFAIL) after a storage failure, 78 when its data belongs to another cluster (a restart on the same
     * data directory is refused again), 70 (EX_SOFTWARE) after any other fatal error. A halt, not an exit:
     * shutdown hooks would wait on a Raft server and a database that cannot go on.
     */
    static void exit(NodeStop stop) {
        int code = switch (stop.reason()) {
            case STORAGE -> 75;
            case FOREIGN_CLUSTER -> FOREIGN_CLUSTER_EXIT;
            case FATAL -> 70;
        };
        try {
            LOG.error("exiting with code {} so that a supervisor restarts this node: {}", code, stop.message(),
                    stop.cause());
        } finally {
            Runtime.getRuntime().halt(code);
        }
    }

    /**
     * Ends the process if stopping takes longer than {@code timeout} (a hung disk, a statement that ignores being
     * stopped): a supervisor would kill it soon anyway, and a stuck stop must not outlast its grace period.
     */
    private static void haltAfter(Duration timeout) {
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(timeout.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.error("still stopping after --shutdown-timeout ({} ms); halting", timeout.toMillis());
            Runtime.getRuntime().halt(1);
        }, "halite-shutdown-deadline");
        deadline.setDaemon(true);
        deadline.start();
    }

    /**
     * Ends a process that stopped cleanly with code 0: left to itself, the JVM reports the signal that began the
     * stop (143 for SIGTERM), which supervisors count as a failure.
     */
    private static void exitCleanly() {
        LOG.info("stopped cleanly");
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
    }

    /** --remove-on-shutdown: this read replica takes itself out of the cluster's configuration. */
    private void leaveCluster(HaliteNode node, Duration timeout) {
        try {
            node.removeMember(nodeId, timeout);
            LOG.info("removed this node from the cluster (--remove-on-shutdown)");
        } catch (io.halite.core.node.NodeException e) {
            LOG.warn("could not remove this node from the cluster: {}; it stays listed as a non-voting member "
                    + "until removed (halite remove {})", e.getMessage(), nodeId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CommandLine.ParameterException invalid(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        if (joinDns != null) {
            // Discovery resolves the name every second and must see pods as they come and go; the JVM would
            // otherwise keep an answer for 30 s (10 s for a name that did not resolve).
            java.security.Security.setProperty("networkaddress.cache.ttl", "1");
            java.security.Security.setProperty("networkaddress.cache.negative.ttl", "1");
        }
        // An error such as OutOfMemoryError leaves no thread it hits in a known state: end the process instead.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof VirtualMachineError) {
                exit(new NodeStop(NodeStop.Reason.FATAL, "fatal error in thread " + thread.getName(), e));
            }
            LOG.error("uncaught exception in thread {}", thread.getName(), e);
        });
        if (spec.defaultValueProvider() instanceof EnvironmentOptions environment) {
            environment.unknownVariables(spec).forEach(LOG::warn);
        }
        warnAboutSecretFlags();
        UsersFile users = null;
        if (auth != null) {
            try {
                users = UsersFile.open(auth);
            } catch (UsersFile.Invalid e) {
                LOG.error("{}; not starting", e.getMessage());
                return 1;
            }
        }
        PeerCredentials peerCredentials = peerCredentials();
        if (nodeId == null) {
            nodeId = defaultNodeId(dataDir.toAbsolutePath(), HostName.local());
        }
        HostPort http = HostPort.parse(httpAddr, "--http-addr");
        HostPort operations = metricsAddr == null ? null : HostPort.parse(metricsAddr, "--metrics-addr");
        String httpAdvertised = advertisedAddress(httpAdvAddr, "--http-adv-addr", http, HostName.local());
        String raftAdvertised = advertisedAddress(raftAdvAddr, "--raft-adv-addr", HostPort.parse(raftAddr,
                "--raft-addr"), HostName.local());
        validateMembership();
        ServeTls serveTls;
        try {
            serveTls = tls.load();
        } catch (TlsFileException e) {
            LOG.error("cannot start: {}", e.getMessage());
            return 1;
        }
        recordNodeId(dataDir.toAbsolutePath(), nodeId);
        SqliteLibraryDirectory.use(dataDir);
        String apiUrl = (tls.https() ? "https://" : "http://") + httpAdvertised;
        List<java.net.URI> members = join == null ? List.of()
                : join.stream().filter(u -> !u.equals(java.net.URI.create(apiUrl))).toList();
        if (join != null && members.isEmpty()) {
            throw invalid("--join lists only this node; give a member of the cluster to join");
        }
        String startingPeers = peers;
        Discovery discovery = joinDns == null ? null : new Discovery(joinDns,
                joinDnsPort != null ? joinDnsPort : http.port(), bootstrapExpect, bootstrapTimeout, nodeId,
                raftAdvertised, apiUrl, peerCredentials, serveTls.memberApiClient());
        if (discovery != null && HaliteNode.hasRaftState(dataDir.toAbsolutePath())) {
            List<java.net.URI> cluster = discovery.clusterWithoutThisNode();
            if (cluster.isEmpty()) {
                LOG.info("this node has been a member of a cluster: it starts from its Raft state, without discovery");
            } else {
                // As with --join (forgetClusterIfRemoved): its old state would only keep it out.
                LOG.warn("the cluster at {} does not list this node any more (it was removed): discarding its data "
                        + "to join again as a new node", cluster);
                HaliteNode.discardState(dataDir.toAbsolutePath());
            }
        }
        // A discovering node answers the others on its API address from the start (DiscoveryResponder), and
        // keeps answering while its node starts, so that they see its proposal; then the API takes the listener.
        org.eclipse.jetty.server.Handler.Wrapper handOver = null;
        HttpServer listening = null;
        if (discovery != null && !HaliteNode.hasRaftState(dataDir.toAbsolutePath())) {
            handOver = new org.eclipse.jetty.server.Handler.Wrapper(true);
            handOver.setHandler(new DiscoveryResponder(discovery::state));
            listening = listen(http, handOver, serveTls);
            Discovery.Outcome outcome;
            try {
                outcome = discovery.run();
            } catch (Discovery.Failed e) {
                LOG.error("cannot form or find a cluster: {}", e.getMessage());
                return 1;
            }
            if (outcome instanceof Discovery.Bootstrap bootstrap) {
                startingPeers = bootstrap.peers();
            } else if (outcome instanceof Discovery.Join found) {
                members = found.members();
            }
        }
        boolean joining = !members.isEmpty();
        NodeConfig config = new NodeConfig(nodeId, dataDir.toAbsolutePath(), raftAdvertised,
                startingPeers == null ? List.of() : Peers.parse(startingPeers, nodeId, raftAdvertised), joining,
                databaseOptions(), maxRequestBytes, 1L << 20, 4,
                electionTimeout, snapshotEntries, apiUrl, raftAddr);
        Joiner joiner = joining ? new Joiner(members, peerCredentials, serveTls.memberApiClient()) : null;
        if (joiner != null && HaliteNode.hasRaftState(config.dataDir())) {
            forgetClusterIfRemoved(joiner);
        }
        BackupTarget target = null;
        BackupSettings backupSettings = null;
        if (backup != null) {
            try {
                backupSettings = new BackupSettings(backupInterval, backupSync, backupBaseInterval,
                        backupBaseLogBytes, backupRetention, backupKeepBases);
                target = storage.open(backup);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            if (joiner == null && !HaliteNode.holdsData(config.dataDir())) {
                try {
                    restoreLatest(target, config);
                } catch (java.io.IOException e) {
                    // Starting empty would hide the backup's data behind a new generation: stop instead.
                    LOG.error("cannot restore the latest backup from {}: {}; not starting", target.describe(),
                            e.getMessage());
                    return 1;
                }
            }
        }
        ServerMetrics metrics = new ServerMetrics();
        HaliteNode node;
        try {
            node = startNode(config, serveTls, peerCredentials, metrics);
        } catch (ForeignClusterException e) {
            LOG.error("not starting: {}", e.getMessage());
            return FOREIGN_CLUSTER_EXIT;
        }
        if (joiner != null) {
            boolean added;
            try {
                added = joiner.join(node, !nonVoter);
            } catch (Joiner.JoinRefused e) {
                node.close();
                LOG.error("cannot join the cluster: {}", e.getMessage());
                return 1;
            }
            if (added && nonVoter) {
                // Ratis gives a member added as a listener its proper role only when it starts from a stored
                // configuration that lists it; until then it would call elections and shut itself down.
                LOG.info("restarting the Raft server to serve as a non-voting member");
                node.close();
                node = startNode(config, serveTls, peerCredentials, metrics);
            }
        }
        HaliteNode running = node;
        BackupUploader uploader = null;
        if (target != null) {
            uploader = new BackupUploader(running, target, backupSettings, backupLeaseTime,
                    config.dataDir().resolve("backup-work"), java.time.Clock.systemUTC());
            uploader.start();
            metrics.watch(uploader);
            if (backupLease == LeaseMode.fail) {
                // Before the shutdown hook exists: its clean stop would exit with 0.
                var refused = uploader.leaseRefusedAtStart(Duration.ofSeconds(30).plus(backupLeaseTime));
                if (refused.isPresent()) {
                    LOG.error("{}; not starting (--backup-lease fail)", refused.get());
                    uploader.close();
                    running.close();
                    return 1;
                }
            }
        }
        BackupUploader backups = uploader;
        HttpApi api = new HttpApi(running, maxBodyBytes, HaliteCommand.version(),
                backups == null ? null : backups::status, metrics);
        org.eclipse.jetty.server.Handler guarded = api;
        if (serveTls.node().raftOverTls()) {
            guarded = new MembersOnlyJoin(guarded, serveTls.node().raftTrust());
        }
        if (users != null) {
            Authenticator authenticator = new Authenticator(users::users);
            metrics.watch(authenticator);
            guarded = new AuthHandler(authenticator, guarded);
            running.checkForwardedUsers(new LeaderUserCheck(users::users));
            reloadOnHangup(users);
        }
        // Outside the authentication, so that refused requests are counted too.
        org.eclipse.jetty.server.Handler measured = new RequestMeters(metrics.registry(), guarded);
        HttpServer server;
        if (handOver != null) {
            handOver.setHandler(measured);
            server = listening;
        } else {
            try {
                server = listen(http, measured, serveTls);
            } catch (IllegalStateException e) {
                running.close();
                serveTls.close();
                throw e;
            }
        }
        HttpServer operationsServer = null;
        if (operations != null) {
            try {
                // Plain HTTP, by design: monitoring reaches it on an address the API is not exposed on.
                operationsServer = listen(operations, new RequestMeters(metrics.registry(), api.operationsOnly()),
                        null);
            } catch (IllegalStateException e) {
                server.close();
                running.close();
                serveTls.close();
                throw e;
            }
        }
        HttpServer monitoring = operationsServer;
        serveTls.startReloading();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            long haltAtNanos = System.nanoTime() + shutdownTimeout.toNanos();
            haltAfter(shutdownTimeout);
            CompletableFuture.delayedExecutor(STATEMENT_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(running::stopStatements);
            // Leadership moves while this node still serves: its clients' writes go on at the new leader.
            running.prepareToStop(shutdownTimeout.dividedBy(2));
            try {
                server.close();
                if (backups != null) {
                    // No more writes arrive through this node now: a leader's backup can end where the node does.
                    backups.closeAfterLastUpload(Duration.ofNanos(haltAtNanos - System.nanoTime()));
                }
                if (removeOnShutdown) {
                    leaveCluster(running, Duration.ofNanos(haltAtNanos - System.nanoTime()).dividedBy(2));
                }
                if (monitoring != null) {
                    monitoring.close(); // probes and scrapes are answered until the node is gone
                }
                running.close();
            } catch (Exception e) {
                // The JVM's own exit code after a signal (143 for SIGTERM) tells a supervisor the stop was not clean.
                LOG.warn("error while shutting down", e);
                stopped.countDown();
                return;
            }
            stopped.countDown();
            exitCleanly();
        }, "halite-shutdown"));
        LOG.info("Halite {} serving HTTP on {}://{} (data in {})", HaliteCommand.version(), tls.https() ? "https" : "http",
                httpAddr, config.dataDir());
        if (running.awaitReady(Duration.ofSeconds(30))) {
            LOG.info("ready: leader is {}", running.status().leaderId());
        } else {
            LOG.warn("no leader yet; requests will wait for one");
        }
        stopped.await();
        return 0;
    }
}
