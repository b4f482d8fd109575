package io.halite.core.engine;

import io.halite.core.sql.SqlRequest;
import io.halite.core.sql.StatementResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * One SQLite database on one node: a single writer connection that applies committed log entries in order, and a
 * pool of read-only connections for reads.
 *
 * <p>The index of the last applied entry is recorded in the same SQLite transaction as the entry's effects, without
 * anything in the user's schema (see {@link LogPosition}), so after any crash the file says exactly which entries it
 * holds. Consecutive entries may share one SQLite transaction; {@link #commit()} ends it. With
 * {@code synchronous=NORMAL} a commit is not yet fsynced; {@link #syncDurable()} makes everything committed durable,
 * and only then may the Raft log be purged.
 *
 * <p>The writer methods must be called from one thread (the log applier); read methods from any thread.
 */
public final class SqliteDatabase implements AutoCloseable {
    /**
     * How the database is opened.
     *
     * @param statementBudget the most SQLite virtual machine steps one statement may take: stamped on the entries
     *                        this node proposes (each entry is applied with its own) and applied to reads here
     */
    public record Options(int readers, boolean foreignKeys, long statementBudget) {
        /**
         * 5 billion SQLite virtual machine steps. Measured on the development machine (2 cores, SQLite 3.54): a
         * filtered scan of a 1 GB table of 1 KB rows takes about 4 million steps, a GROUP BY over it 14 million, an
         * INSERT ... SELECT of 200,000 of its rows 3.2 million; a GROUP BY over a 1 GB table of 16-byte rows would
         * take about 1 billion. A recursive CTE that never ends runs about 150 million steps a second, so the
         * default stops it after about 35 s.
         */
        public static final long DEFAULT_STATEMENT_BUDGET = 5_000_000_000L;

        public Options {
            if (statementBudget < StatementGuard.STEPS_PER_CALL) {
                throw new IllegalArgumentException("the statement budget must be at least "
                        + StatementGuard.STEPS_PER_CALL + " steps");
            }
        }

        public static Options defaults() {
            return new Options(Math.max(4, Runtime.getRuntime().availableProcessors() * 2), false,
                    DEFAULT_STATEMENT_BUDGET);
        }
    }

    private final Path file;
    private final Options options;
    private final StatementPolicy policy = new StatementPolicy();
    private final WriterConnection writer;
    private final EntryGroup uncommitted;
    private final LoadStaging staging;
    private final ReadPool readers;
    private final Checkpointer checkpointer;

    /** The last entry applied, committed or not (its term may be unknown for a while after a restart). */
    private long appliedIndex;
    private long appliedTerm;
    /** What the last commit made visible to readers; guarded by {@link #commitLock}. */
    private ImageState committed;
    private final Object commitLock = new Object();
    private LogPosition.Point durable;
    /** Set when the node shuts down: running statements stop, and applying stops with them. */
    private volatile boolean stopping;
    /**
     * Why applying failed part-way (a write the storage refused), or null. What was applied since the last commit
     * is then never committed: those entries stay in the log and are applied again at the next start.
     */
    private volatile NodeFailureException failure;

    private SqliteDatabase(Path file, Options options) throws SQLException {
        this.file = file;
        this.options = options;
        this.writer = new WriterConnection(file, options, policy, () -> stopping);
        this.uncommitted = new EntryGroup(writer, new EntryGroup.Position() {
            @Override
            public long appliedIndex() {
                return SqliteDatabase.this.appliedIndex();
            }

            @Override
            public void applied(long index, long term) {
                saveApplied(index, term);
            }
        });
        try {
            LegacyStateTable legacy = LegacyStateTable.read(writer.connection());
            LogPosition.Point start = legacy != null ? legacy.position() : position();
            appliedIndex = start.index();
            appliedTerm = start.term();
            this.staging = new LoadStaging(file, appliedIndex);
            if (legacy != null) {
                legacy.moveOut(writer.connection(), file, staging);
            }
            durable = LogPosition.read(file);
        } catch (IOException e) {
            throw new SQLException("cannot read the log position of " + file + ": " + e.getMessage(), e);
        }
        committed = new ImageState(appliedIndex, appliedTerm, staging.inProgressAt(appliedIndex));
        this.readers = new ReadPool(file, options.readers(), policy, options.statementBudget(), () -> stopping);
        this.checkpointer = new Checkpointer(file);
    }

    public static SqliteDatabase open(Path file, Options options) throws SQLException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new SQLException("cannot create directory for " + file, e);
        }
        return new SqliteDatabase(file, options);
    }

    public Path file() {
        return file;
    }

    public synchronized long appliedIndex() {
        return appliedIndex;
    }

    /** The term of the last applied entry, or {@link LogPosition#UNKNOWN_TERM} until {@link #learnTerm} is told. */
    public synchronized long appliedTerm() {
        return appliedTerm;
    }

    /**
     * After a crash the database knows its applied index but not always that entry's term (see
     * {@link LogPosition}); the log applier tells it the term of each entry it skips as applied already.
     */
    public void learnTerm(long index, long term) {
        synchronized (commitLock) { // the order commits take the two locks in
            synchronized (this) {
                if (index == appliedIndex && appliedTerm == LogPosition.UNKNOWN_TERM) {
                    appliedTerm = term;
                    if (committed.appliedIndex() == index) {
                        committed = new ImageState(index, term, committed.midLoad());
                    }
                }
            }
        }
    }

    /** The highest applied index, with its term, known to be on disk (fsynced). */
    public synchronized LogPosition.Point durable() {
        return durable;
    }

    /** The applied index from the header's stamp and the durable point recorded beside the file. */
    private LogPosition.Point position() throws SQLException, IOException {
        LogPosition.Point base = LogPosition.read(file);
        int stamp;
        try (java.sql.Statement s = writer.connection().createStatement()) {
            stamp = LogPosition.stampOf(s);
        }
        long index = LogPosition.applied(base.index(), stamp);
        return new LogPosition.Point(index, index == base.index() ? base.term() : LogPosition.UNKNOWN_TERM);
    }

    // ---- writer side: called only by the log applier ----

    private void requireIntact() {
        if (failure != null) {
            throw failure;
        }
    }

    /** Applying entry {@code index} failed part-way (see {@link #failed(String, Exception)}). */
    private NodeFailureException failed(long index, Exception cause) {
        return failed("applying log entry " + index + " failed part-way", cause);
    }

    /**
     * Applying failed part-way: the open transaction may hold half an entry, so it is rolled back and never
     * committed, now or when the database closes.
     */
    private NodeFailureException failed(String what, Exception cause) {
        NodeFailureException e = cause instanceof NodeFailureException n ? n : new NodeFailureException(what, cause);
        failure = e;
        writer.transactionEnded();
        uncommitted.clear();
        try {
            writer.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite may have rolled back already; nothing of it is committed either way
        }
        return e;
    }

    /**
     * Applies one entry of requests inside the open SQLite transaction (starting one if needed) and returns each
     * request's results. Visible to readers only after {@link #commit()}. An entry that does not apply after the
     * last applied one ({@link EntryWrites#appliesAfter}) is refused as a whole: its results are an empty list.
     *
     * @throws NodeFailureException if applying failed part-way; the database applies nothing more
     */
    public List<List<StatementResult>> apply(long index, long term, EntryWrites batch) throws SQLException {
        requireIntact();
        try {
            return uncommitted.apply(index, term, batch);
        } catch (NodeStoppingException e) {
            abandonOpenTransaction();
            throw e;
        } catch (SQLException | RuntimeException e) {
            throw failed(index, e);
        }
    }

    /**
     * Stops the statements running on this database's connections (reads fail, and applying an entry fails with
     * {@link NodeStoppingException}), so that a shutdown never waits for a long statement. Called once, when the
     * node stops; nothing is applied afterwards.
     */
    public void stopStatements() {
        stopping = true;
    }

    /** Rolls back everything applied since the last commit: those entries are applied again at the next start. */
    private void abandonOpenTransaction() throws SQLException {
        writer.rollback();
        uncommitted.clear();
        ImageState last = committedState();
        synchronized (this) {
            appliedIndex = last.appliedIndex();
            appliedTerm = last.appliedTerm();
        }
    }

    private ImageState committedState() {
        synchronized (commitLock) {
            return committed;
        }
    }

    /** Ends the open SQLite transaction, making applied entries visible to readers. */
    public void commit() throws SQLException {
        requireIntact();
        if (!writer.inTransaction()) {
            return;
        }
        try (java.sql.Statement s = writer.connection().createStatement()) {
            writer.readyToCommit(s, appliedIndex());
            commitAndPublish();
        } catch (SQLException e) {
            throw failed("cannot commit applied entries", e);
        }
        writer.transactionEnded();
        uncommitted.clear();
    }

    /** Commits, and publishes what readers can now see together with the log position it is at. */
    private void commitAndPublish() throws SQLException {
        synchronized (commitLock) {
            writer.execute("COMMIT");
            synchronized (this) {
                committed = new ImageState(appliedIndex, appliedTerm, staging.inProgressAt(appliedIndex));
            }
        }
    }

    /**
     * Makes every committed entry durable (one fsync of the WAL), records that point beside the file, and returns
     * it: the last applied entry, or, while its term is not known yet, the last point recorded.
     */
    public LogPosition.Point syncDurable() throws SQLException {
        commit();
        try (java.sql.Statement s = writer.connection().createStatement()) {
            s.execute("PRAGMA synchronous = FULL");
            try {
                s.execute("BEGIN IMMEDIATE");
                LogPosition.stamp(s, appliedIndex());
                commitAndPublish();
            } finally {
                s.execute("PRAGMA synchronous = NORMAL");
            }
        }
        ImageState now = committedState();
        if (now.appliedTerm() != LogPosition.UNKNOWN_TERM) {
            LogPosition.Point point = new LogPosition.Point(now.appliedIndex(), now.appliedTerm());
            try {
                LogPosition.write(file, point);
            } catch (IOException e) {
                throw new NodeFailureException("cannot record the durable log position", e);
            }
            synchronized (this) {
                durable = point;
            }
        }
        return durable();
    }

    /**
     * Replaces the whole database with the SQLite file at {@code image} (which is modified), atomically for
     * readers, as the content at log position ({@code index}, {@code term}), and makes it durable: Ratis continues
     * the log after that index.
     */
    private void replaceWith(Path image, long index, long term) throws SQLException {
        swapIn(image, index, term);
        syncDurable();
    }

    /**
     * Replaces the whole database with a copy of another replica's database (fetched from the leader), which holds
     * the log up to {@code at}.
     */
    public void installReplica(Path image, LogPosition.Point at) throws SQLException, IOException {
        replaceWith(image, at.index(), at.term());
        staging.clear(); // a load staged here is part of the history the copy replaced
    }

    /**
     * Checks the image, stamps its log position, and copies it over the database with SQLite's backup API; readers
     * see the new content together with its position.
     */
    private void swapIn(Path image, long index, long term) throws SQLException {
        commit();
        ImageFiles.prepareToSwapIn(image, writer.connection(), index);
        synchronized (commitLock) {
            writer.restoreFrom(image);
            synchronized (this) {
                appliedIndex = index;
                appliedTerm = term;
                committed = new ImageState(index, term, false);
            }
        }
    }

    /**
     * Applies one chunk of a {@code /db/load} image: chunks are staged in a file beside the database (see
     * {@link LoadStaging}); the last chunk swaps the image in. A damaged image is refused the same way on every
     * replica.
     *
     * @return null, or why the load was refused
     * @throws NodeFailureException if applying failed part-way; the database applies nothing more
     */
    public String applyLoadChunk(long index, long term, ImageChunk chunk) {
        requireIntact();
        try {
            return stageChunk(index, term, chunk);
        } catch (NodeStoppingException e) {
            throw e;
        } catch (SQLException | IOException | RuntimeException e) {
            throw failed(index, e);
        }
    }

    private String stageChunk(long index, long term, ImageChunk chunk) throws SQLException, IOException {
        writer.beginIfNeeded();
        LoadStaging.Outcome outcome = staging.stage(index, chunk);
        if (outcome != LoadStaging.Outcome.COMPLETE) {
            saveApplied(index, term);
            return outcome == LoadStaging.Outcome.SUPERSEDED ? "superseded by another load" : null;
        }
        String refusal = null;
        try {
            replaceWith(staging.image(), index, term);
        } catch (SQLException e) {
            refusal = SqliteErrors.message(e);
            writer.beginIfNeeded();
            saveApplied(index, term);
        }
        staging.clear();
        return refusal;
    }

    /**
     * The log position of a copy of the database: the index and term of the last entry it holds, and whether a
     * {@code /db/load} was being staged then (the copy lacks its staged chunks, so it cannot continue that load).
     */
    public record ImageState(long appliedIndex, long appliedTerm, boolean midLoad) {}

    /**
     * Prepares a database file restored from elsewhere (a backup's base copy) to be opened as holding the log up
     * to {@code at}: stamps it and records the position beside it.
     */
    public static void adoptImage(Path image, LogPosition.Point at) throws SQLException, IOException {
        ImageFiles.adopt(image, at);
    }

    /** Moves a closed database file and Halite's files beside it to {@code to}. */
    public static void moveFiles(Path from, Path to) throws IOException {
        ImageFiles.move(from, to);
    }

    /** Deletes a closed database file, SQLite's files beside it and Halite's. */
    public static void deleteFiles(Path file) throws IOException {
        ImageFiles.delete(file);
    }

    /**
     * Checks that {@code image} is a SQLite database that passes {@code PRAGMA quick_check}.
     *
     * @throws SQLException saying what is wrong with it
     */
    public static void checkImage(Path image) throws SQLException {
        ImageFiles.check(image);
    }

    private void saveApplied(long index, long term) {
        synchronized (this) {
            appliedIndex = index;
            appliedTerm = term;
        }
    }

    // ---- interactive transactions: run ahead of the log on the writer ----

    /**
     * Starts the leader's chain of interactive transactions on the writer connection, ahead of the log, on the
     * database as applied so far. Only the thread that applies the log may use the chain, and before it applies
     * anything it must {@link Speculation#suspend() suspend} it and afterwards tell it what it
     * {@link Speculation#applied applied}; the caller arranges that (the state machine's writer lease).
     */
    public Speculation speculate() throws SQLException {
        commit();
        return new WriterSpeculation(writer, options.statementBudget(), appliedIndex());
    }

    /** An interactive transaction of the chain is over: SQLite rolled it back, or another entry broke the chain. */
    public static final class SpeculationLost extends Exception {
        private final boolean conflict;

        SpeculationLost(String message, boolean conflict) {
            super(message);
            this.conflict = conflict;
        }

        /** Whether another entry reached the log first (retrying can succeed), rather than SQLite rolling it back. */
        public boolean conflict() {
            return conflict;
        }
    }

    /**
     * The leader's chain of interactive transactions, run ahead of the log. Transactions run one at a time, each on
     * top of the ones settled before it: a transaction settles when its client commits, and its entry then goes
     * through the log, while the next one already runs on its writes. Settled transactions apply in order after
     * {@link #baseIndex()}; once the log shows another entry there, the chain is {@link #broken()}: their entries
     * will be refused on every replica, and the open transaction cannot commit either.
     *
     * <p>A transaction records the write statements it ran, numbered as its part of a log entry will number them when
     * it is applied, so that replaying that entry on the same base computes exactly what the transaction saw (random
     * values included). Read statements run too (they see the chain's writes) but are not recorded.
     */
    public interface Speculation {
        /** Why a transaction of a broken chain cannot commit. */
        String CONFLICT = "another write reached the log while it ran; retry it";

        /** The applied index the chain builds on. */
        long baseIndex();

        /** How many settled transactions have not been applied yet. */
        int settledCount();

        /** Whether an entry other than the chain's own was applied: nothing settled in it can commit any more. */
        boolean broken();

        /** Opens a transaction on top of the settled ones, with its own pinned time and seed. */
        void open(long stampMillis, long seed) throws SQLException;

        /**
         * Runs one request in the open transaction. Statements fail on their own, as in SQLite; a request with
         * {@code transaction} is all or nothing within the interactive transaction.
         *
         * @throws SpeculationLost if SQLite rolled the whole transaction back, or the chain broke; it is over
         */
        List<StatementResult> run(SqlRequest request) throws SQLException, SpeculationLost;

        /**
         * Settles the open transaction into the chain: the part its log entry applies, or null if it wrote nothing
         * (then nothing of it stays).
         *
         * @throws SpeculationLost if the chain broke while it ran (it is undone)
         */
        EntryWrites.Part settle() throws SQLException, SpeculationLost;

        /** Undoes the open transaction's work; the settled ones stay. */
        void abandon() throws SQLException;

        /** Lends the writer back to the applier: the chain's work is rolled back, and replayed at its next use. */
        void suspend() throws SQLException;

        /**
         * The applier applied {@code entry} (null for anything but requests that applied) at {@code index}: if it
         * holds the chain's first settled transactions, they leave the chain and the base moves to {@code index};
         * otherwise the chain is broken.
         */
        void applied(long index, EntryWrites entry);

        /**
         * Breaks the chain because the database no longer holds its base (a copy was installed), or the entry of its
         * first settled transactions failed or its outcome is unknown: nothing settled in it can commit any more,
         * and the open transaction fails at its next use.
         */
        void breakOff();

        /** Undoes everything and gives up the writer; what commits is the entries already proposed. */
        void end() throws SQLException;
    }

    // ---- read side ----

    /**
     * Whether the statement text would change the database (SQLite's read-only judgement of each statement in it),
     * or null if none that compiles against this replica's schema writes and some do not compile.
     */
    public Boolean isWrite(String sql) {
        return readers.isWrite(sql);
    }

    /**
     * Runs a read-only request on a pooled connection; several statements share one read snapshot. Waiting for a
     * connection and running the statements take at most {@code timeout}: a statement still running then is
     * stopped and fails, and so does any later one that runs long, so no read holds a connection past it.
     *
     * @throws IllegalStateException if no read connection came free within the timeout
     */
    public List<StatementResult> query(SqlRequest request, java.time.Duration timeout) throws InterruptedException {
        return readers.query(request, timeout);
    }

    /**
     * Tries, before a write request is proposed, the statements of it that only read and compile here, on a read
     * connection: one that its budget stops would be stopped on every replica too, so the request need not reach
     * the log. Writes cannot be tried ahead; they are stopped as they are applied.
     *
     * @return null if the request may be proposed, else its results: the stopped statement's failure, and every
     *         other statement marked as not run
     */
    public List<StatementResult> refuseOverBudget(SqlRequest request) throws InterruptedException {
        return readers.refuseOverBudget(request);
    }

    /**
     * Writes a consistent copy of the database to {@code target} using SQLite's online backup API from one read
     * snapshot, and returns the log position of that snapshot. Writers keep going meanwhile; memory use does not
     * grow with the database size. The copy holds nothing of Halite's: its header's log position stamp is cleared.
     */
    public ImageState backupTo(Path target) throws SQLException {
        try (Connection c = ReadPool.open(file); java.sql.Statement s = c.createStatement()) {
            ImageState state = beginSnapshot(s);
            ImageFiles.copy(c, target, state.appliedIndex());
            s.execute("COMMIT");
            return state;
        }
    }

    /**
     * Starts a read snapshot on {@code s}'s connection and returns the log position it holds: the snapshot is taken
     * while no commit can run.
     */
    private ImageState beginSnapshot(java.sql.Statement s) throws SQLException {
        synchronized (commitLock) {
            s.execute("BEGIN");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
                rs.next(); // a read transaction takes its snapshot at its first read
            }
            return committed;
        }
    }

    /** A consistent copy of the database in a temporary file, and its log position; the file goes on close. */
    public record Copy(Path file, ImageState state) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Files.deleteIfExists(file);
        }
    }

    /** Takes a consistent copy (see {@link #backupTo}) into a temporary file in {@code tempDir}. */
    public Copy copyInto(Path tempDir) throws SQLException, IOException {
        Path file = Files.createTempFile(tempDir, "backup-", ".sqlite");
        try {
            return new Copy(file, backupTo(file));
        } catch (SQLException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Writes the database as SQL text (see {@link SqlDumpWriter}), from one read snapshot. */
    public void dumpTo(java.io.Writer out) throws SQLException, IOException {
        try (Connection c = ReadPool.open(file)) {
            SqlDumpWriter.write(c, out);
        }
    }

    /** Bytes on disk: the database file plus its WAL. */
    public long sizeOnDisk() {
        return ImageFiles.sizeOnDisk(file);
    }

    public String sqliteVersion() {
        return readers.sqliteVersion();
    }

    /**
     * A SHA-256 over the schema and every row of every table (in rowid or primary-key order): equal on replicas
     * that hold the same content, whatever their file layout.
     */
    public String checksum() throws SQLException {
        return contentChecksum().sha256();
    }

    /** A content checksum and the applied log index it corresponds to, both read from one snapshot. */
    public record Checksum(long appliedIndex, String sha256) {}

    /** See {@link #checksum()}; also returns the applied index of the snapshot the checksum was taken from. */
    public Checksum contentChecksum() throws SQLException {
        try (Connection c = ReadPool.open(file); java.sql.Statement s = c.createStatement()) {
            long index = beginSnapshot(s).appliedIndex();
            String sha256 = ContentChecksum.of(s);
            s.execute("COMMIT");
            return new Checksum(index, sha256);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            if (!stopping && failure == null) {
                syncDurable(); // records the exact position, so the next start need not learn its term
            }
        } finally {
            checkpointer.close();
            readers.close();
            writer.close();
        }
    }
}
