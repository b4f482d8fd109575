package io.halite.core.node;

import io.halite.core.sql.StatementResult;
import java.util.List;

/** The results of one write request and the log index of the entry that carried it. */
public record WriteOutcome(List<StatementResult> results, long raftIndex) {}
