package io.halite.server.http;

import io.halite.backup.BackupStatus;
import io.halite.core.node.Health;
import io.halite.core.node.NodeStatus;
import io.halite.core.node.WriteQueue;
import io.halite.server.GoDuration;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/** Renders {@code /status} and {@code /nodes} with rqlite's key names where they fit. */
final class StatusJson {
    private StatusJson() {}

    /**
     * {@code GET /backup/status}. Times are RFC 3339; a value that does not exist yet (nothing stored, no error)
     * is null.
     */
    static byte[] backup(BackupStatus b, String leaderId, boolean pretty) {
        return ResultsJson.write(pretty, g -> {
            g.writeStartObject();
            g.writeStringField("target", b.target());
            g.writeStringField("mode", b.sync() ? "sync" : "async");
            g.writeBooleanField("uploading", b.uploading());
            g.writeStringField("leader", leaderId == null ? "" : leaderId);
            g.writeStringField("generation", b.generation());
            g.writeNumberField("stored_index", b.storedIndex());
            g.writeNumberField("applied_index", b.appliedIndex());
            g.writeNumberField("lag_entries", b.lagEntries());
            g.writeNumberField("lag_seconds", b.lagSeconds());
            g.writeStringField("last_upload", b.lastUpload() == null ? null : b.lastUpload().toString());
            g.writeNumberField("stored_bytes", b.storedBytes());
            g.writeObjectFieldStart("restorable");
            writePoint(g, "from", b.restorableFrom());
            writePoint(g, "to", b.restorableTo());
            g.writeEndObject();
            g.writeStringField("last_error", b.lastError());
            g.writeStringField("last_error_time", b.lastErrorAt() == null ? null : b.lastErrorAt().toString());
            g.writeObjectFieldStart("lease");
            g.writeBooleanField("held", b.lease().held());
            g.writeStringField("holder", b.lease().holder());
            g.writeStringField("problem", b.lease().problem());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void writePoint(com.fasterxml.jackson.core.JsonGenerator g, String name, BackupStatus.Point p)
            throws IOException {
        if (p == null) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeNumberField("index", p.index());
        g.writeStringField("time", p.time().toString());
        g.writeEndObject();
    }

    static byte[] status(NodeStatus s, Health health, WriteQueue.Stats queue, RequestStats requests,
                         String apiAddress, String version, boolean pretty) {
        Runtime runtime = Runtime.getRuntime();
        long now = System.currentTimeMillis();
        return ResultsJson.write(pretty, g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("build");
            g.writeStringField("version", version);
            g.writeEndObject();
            g.writeObjectFieldStart("http");
            g.writeStringField("bind_addr", apiAddress);
            // Where rqlite reports its queue; sequence_number is the last queued request applied.
            g.writeObjectFieldStart("queue");
            g.writeObjectFieldStart("_default");
            g.writeNumberField("max_size", queue.capacity());
            g.writeNumberField("batch_size", queue.batchSize());
            g.writeNumberField("waiting", queue.waiting());
            g.writeNumberField("sequence_number", queue.sequenceNumber());
            g.writeNumberField("requests_applied", queue.requestsApplied());
            g.writeNumberField("statements_failed", queue.statementsFailed());
            g.writeNumberField("statements_lost", queue.statementsLost());
            g.writeEndObject();
            g.writeEndObject();
            requests.write(g);
            g.writeEndObject();
            g.writeObjectFieldStart("node");
            g.writeStringField("id", s.nodeId());
            g.writeStringField("start_time", Instant.ofEpochMilli(s.startedAtMillis()).toString());
            g.writeStringField("current_time", Instant.ofEpochMilli(now).toString());
            g.writeStringField("uptime", GoDuration.format(Duration.ofMillis(now - s.startedAtMillis())));
            g.writeNumberField("uptime_seconds", (now - s.startedAtMillis()) / 1000.0);
            g.writeEndObject();
            g.writeObjectFieldStart("runtime");
            g.writeStringField("java_version", System.getProperty("java.version"));
            g.writeNumberField("num_cpu", runtime.availableProcessors());
            g.writeNumberField("heap_used_bytes", runtime.totalMemory() - runtime.freeMemory());
            g.writeNumberField("heap_max_bytes", runtime.maxMemory());
            g.writeEndObject();
            g.writeObjectFieldStart("store");
            g.writeStringField("node_id", s.nodeId());
            g.writeStringField("addr", s.raftAddress());
            g.writeStringField("cluster_identity", s.clusterIdentity());
            g.writeBooleanField("ready", health.state() == Health.State.OK);
            g.writeObjectFieldStart("health");
            g.writeStringField("state", health.state().name().toLowerCase(java.util.Locale.ROOT));
            g.writeStringField("reason", health.reason());
            g.writeEndObject();
            g.writeObjectFieldStart("leader");
            g.writeStringField("node_id", s.leaderId());
            g.writeStringField("addr", s.leaderId().equals(s.nodeId()) ? s.raftAddress() : "");
            g.writeEndObject();
            g.writeNumberField("db_applied_index", s.appliedIndex());
            g.writeNumberField("fsm_index", s.appliedIndex());
            g.writeObjectFieldStart("raft");
            g.writeStringField("state", s.state());
            g.writeNumberField("term", s.term());
            g.writeNumberField("commit_index", s.commitIndex());
            g.writeNumberField("applied_index", s.appliedIndex());
            g.writeNumberField("last_log_index", s.lastLogIndex());
            g.writeNumberField("last_snapshot_index", Math.max(0, s.snapshotIndex()));
            g.writeBooleanField("voter", s.voter());
            g.writeNumberField("num_peers", Math.max(0, s.members().size() - 1));
            g.writeEndObject();
            g.writeArrayFieldStart("nodes");
            for (NodeStatus.Member m : s.members()) {
                g.writeStartObject();
                g.writeStringField("id", m.id());
                g.writeStringField("addr", m.raftAddress());
                g.writeStringField("suffrage", m.voter() ? "voter" : "nonvoter");
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("sqlite3");
            g.writeStringField("version", s.sqliteVersion());
            g.writeStringField("path", s.databasePath());
            g.writeNumberField("db_size", s.databaseBytes());
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** What a member answered when asked about itself: nothing (unreachable), or its API address and progress. */
    record Answer(String apiAddress, boolean reachable, long appliedIndex, String storageFailure) {}

    /**
     * rqlite's legacy form is a map keyed by node id; {@code ver=2} gives {@code {"nodes":[...]}}.
     *
     * @param answers each listed member's answer; its lag is counted from the commit index this node knows
     */
    static byte[] nodes(NodeStatus s, java.util.List<NodeStatus.Member> members,
                        java.util.Map<String, Answer> answers, String version, boolean listForm, boolean pretty) {
        return ResultsJson.write(pretty, g -> {
            g.writeStartObject();
            if (listForm) {
                g.writeArrayFieldStart("nodes");
            }
            for (NodeStatus.Member m : members) {
                if (!listForm) {
                    g.writeFieldName(m.id());
                }
                Answer answer = answers.get(m.id());
                g.writeStartObject();
                g.writeStringField("id", m.id());
                if (!answer.apiAddress().isEmpty()) {
                    g.writeStringField("api_addr", answer.apiAddress());
                }
                g.writeStringField("addr", m.raftAddress());
                if (m.id().equals(s.nodeId())) {
                    g.writeStringField("version", version);
                }
                g.writeBooleanField("voter", m.voter());
                g.writeBooleanField("reachable", answer.reachable());
                g.writeBooleanField("leader", s.leaderId().equals(m.id()));
                if (answer.reachable()) {
                    g.writeNumberField("applied_index", answer.appliedIndex());
                    g.writeNumberField("lag", Math.max(0, s.commitIndex() - answer.appliedIndex()));
                    if (!answer.storageFailure().isEmpty()) {
                        g.writeStringField("storage_error", answer.storageFailure());
                    }
                }
                g.writeEndObject();
            }
            if (listForm) {
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }
}
