package io.halite.core.raft;

import io.halite.core.node.NodeConfig;
import io.halite.core.node.NodeTls;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * How Halite sets Ratis up: every Ratis setting a node uses, each with the reason it differs from Ratis's default,
 * in one place.
 */
public final class RatisSettings {
    /** AppendEntries requests the leader has in flight to each follower at once (see below). */
    public static final int APPENDS_IN_FLIGHT_PER_FOLLOWER = 2;

    private RatisSettings() {}

    /**
     * Ratis's gRPC over mutual TLS, when {@code tls} has Raft keys: one configuration for its servers, clients and
     * admin calls, so every connection between members presents and checks certificates both ways. Ratis asks the
     * key and trust managers at every handshake (netty wraps them), so their reloads take effect on new
     * connections.
     */
    public static Parameters parameters(NodeTls tls) {
        Parameters parameters = new Parameters();
        if (tls.raftOverTls()) {
            GrpcConfigKeys.TLS.setConf(parameters, GrpcTlsConfig.newBuilder()
                    .setKeyManager(tls.raftKeys())
                    .setTrustManager(tls.raftTrust())
                    .setMutualTls(true)
                    .setProtocols("TLSv1.3", "TLSv1.2")
                    .build());
        }
        return parameters;
    }

    /** Ratis's settings for a node of {@code config} whose Raft state lives in {@code raftDir}. */
    public static RaftProperties properties(NodeConfig config, Path raftDir) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        String address = config.raftBindAddress();
        int colon = address.lastIndexOf(':');
        GrpcConfigKeys.Server.setHost(p, address.substring(0, colon));
        GrpcConfigKeys.Server.setPort(p, Integer.parseInt(address.substring(colon + 1)));
        RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));

        long election = config.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * election), TimeUnit.MILLISECONDS));
        // A leader cut off from the majority steps down after this long (Ratis's default is 10 s), so that it stops
        // answering weak reads about as soon as the others can elect a new leader.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p,
                TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        // A request to a leader that is cut off (packets dropped, no reset) fails only after this long and is then
        // sent to another member, with the same call id (Ratis's retry cache keeps it from being applied twice).
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * election),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        // A joining node may spend a while fetching a copy of the database before it answers the leader's log.
        // Ratis gives up on it after this long without an answer (default: 3 x the maximum election timeout), and
        // giving up also drops its senders to non-voting members (Ratis 3.3), so give it long enough.
        RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(Math.max(30_000, 10 * election),
                TimeUnit.MILLISECONDS));
        // The database records its own applied index; Ratis's commit-index metadata entries would only delay
        // group commits in the state machine.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        // A follower appends each AppendEntries batch to its log as it arrives, so the log worker writes and fsyncs
        // consecutive batches together. Ratis's default ("compose") chains each append behind the previous batch's
        // fsync and hands it to another thread (a new thread per batch where the common pool has one thread, as on
        // 2 CPUs): every entry waited for the one before it. Replies still wait for the entries' fsync, and the one
        // stream per leader keeps appends in order.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);

        // Entries may be as large as the largest request; every buffer on their way must hold one.
        SizeInBytes entryMax = SizeInBytes.valueOf(config.maxRequestBytes() + (1 << 20));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, entryMax);
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entryMax.getSize() + 64));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(2 * entryMax.getSize()));
        // A follower takes every AppendEntries request the leader pipelines to it and holds its entries until they
        // are written: Ratis's default of 8 outstanding requests of up to a buffer each (72 MB of load chunks) ran
        // a 128 MB follower out of memory in CI. Two bound it to 18 MB; each request still carries every entry that
        // is ready, up to a buffer, so the pipeline stays full under load.
        GrpcConfigKeys.Server.setLeaderOutstandingAppendsMax(p, APPENDS_IN_FLIGHT_PER_FOLLOWER);
        // Ratis keeps the open log segment and the cached closed ones on the heap: small segments and a cache of
        // one keep a node's memory bounded (entries are read back from disk if a follower needs older ones).
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentBytes(config)));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 1);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(2 * entryMax.getSize()));
        // Entries received but not yet written wait in the log worker's queue (Ratis's default allows 64 MB): a
        // follower catching up on large entries must not hold that much on a small heap.
        RaftServerConfigKeys.Log.setQueueByteLimit(p, entryMax);
        // A write cut short (disk full, a crash) leaves a partial entry at the end of the open segment. It was never
        // acknowledged, so the log ends before it; Ratis's default refuses to start instead.
        RaftServerConfigKeys.Log.setCorruptionPolicy(p, RaftServerConfigKeys.Log.CorruptionPolicy.WARN_AND_RETURN);
        // Replies are kept for retried requests; results of strong reads can be large, so not for long.
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(Math.max(64L << 20, 4 * entryMax.getSize())));

        // A "snapshot" is a durable point in the SQLite file; the log before it is purged. A follower that needs
        // purged entries gets a copy of the leader's database instead (notifyInstallSnapshotFromLeader).
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEvery());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.snapshotEvery() / 4)));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        return p;
    }

    /** The largest Raft log segment: one holds at least the largest entry. */
    public static long segmentBytes(NodeConfig config) {
        return Math.max(8L << 20, config.maxRequestBytes() + (2 << 20));
    }
}
