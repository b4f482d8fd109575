package io.halite.server.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.halite.jdbc.HaliteConnection;
import io.halite.jdbc.HaliteDataSource;
import io.halite.jdbc.HaliteDriver;
import io.halite.server.http.ApiTestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.JDBCType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.rowset.serial.SerialBlob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The JDBC driver against one real node: DriverManager and DataSource, statements and every parameter type,
 * result conversions and metadata, batches, errors, a HikariCP pool, read-your-writes and failover. One server for
 * the class; every test uses its own tables. Transactions across nodes are tested in JdbcClusterTest.
 */
class JdbcDriverTest {
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static ApiTestServer server;
    private static String hostPort;
    private static String url;

    /** A fresh table name for the current test. */
    private String t;

    @BeforeAll
    static void startServer() throws Exception {
        server = ApiTestServer.start();
        hostPort = URI.create(server.baseUrl()).getAuthority();
        url = "jdbc:halite://" + hostPort + "/?timeout=10s";
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void freshTable(TestInfo info) {
        t = "t" + TABLES.incrementAndGet() + "_" + info.getTestMethod().orElseThrow().getName().toLowerCase();
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    // ------------------------------------------------------------------ finding the driver

    @Test
    void driverManagerFindsTheDriverThroughServiceLoader() throws SQLException {
        assertThat(ServiceLoader.load(Driver.class).stream().map(ServiceLoader.Provider::type))
                .contains(HaliteDriver.class);
        assertThat(DriverManager.getDriver(url)).isInstanceOf(HaliteDriver.class);
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.next()).isFalse();
            assertThat(rs.getStatement()).isSameAs(s);
            assertThat(s.getConnection()).isSameAs(c);
        }
    }

    @Test
    void dataSourceWithBeanProperties() throws SQLException {
        HaliteDataSource ds = new HaliteDataSource();
        ds.setUrl("jdbc:halite://" + hostPort);
        ds.setLevel("linearizable");
        ds.setTimeout("5s");
        ds.setTxIdleTimeout("3s");
        ds.setReadYourWrites(false);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v TEXT)");
            assertThat(s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('a'), ('b')")).isEqualTo(2);
            assertThat(count(c, t)).isEqualTo(2);
        }
        ds.setLevel("eventual");
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class)
                .hasMessage("invalid level 'eventual'; use one of none, weak, linearizable, strong");
    }

    @Test
    void unknownUrlOptionIsRefused() {
        assertThatThrownBy(() -> DriverManager.getConnection(url + "&consistency=strong"))
                .isInstanceOf(SQLException.class)
                .hasMessage("unknown option 'consistency'; valid options: level, timeout, tx_idle_timeout, "
                        + "read_your_writes, ssl, sslmode, sslrootcert, sslcert, sslkey, user, password");
    }

    // ------------------------------------------------------------------ statements

    @Test
    void statementResultsUpdateCountsAndGeneratedKeys() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(s.execute("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v TEXT)")).isFalse();
            assertThat(s.getUpdateCount()).isZero();
            assertThat(s.executeUpdate("INSERT INTO " + t + " (id, v) VALUES (41, 'a')")).isEqualTo(1);
            assertThat(s.executeLargeUpdate("INSERT INTO " + t + " (v) VALUES ('b')", Statement.RETURN_GENERATED_KEYS))
                    .isEqualTo(1);
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertThat(keys.getMetaData().getColumnName(1)).isEqualTo("last_insert_rowid()");
                assertThat(keys.next()).isTrue();
                assertThat(keys.getLong(1)).isEqualTo(42);
                assertThat(keys.next()).isFalse();
            }
            assertThat(s.executeUpdate("UPDATE " + t + " SET v = 'c'")).isEqualTo(2);
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertThat(keys.next()).as("an UPDATE generates no key").isFalse();
            }
            assertThat(s.execute("SELECT id, v FROM " + t + " ORDER BY id")).isTrue();
            assertThat(s.getUpdateCount()).isEqualTo(-1);
            ResultSet rs = s.getResultSet();
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt("ID")).isEqualTo(41);
            assertThat(rs.getString("v")).isEqualTo("c");
            assertThat(s.getMoreResults()).isFalse();
            assertThat(rs.isClosed()).isTrue();
            assertThat(s.getUpdateCount()).isEqualTo(-1);
            assertThat(s.executeUpdate("DELETE FROM " + t + " WHERE id = 41")).isEqualTo(1);
            try (ResultSet returning = s.executeQuery("INSERT INTO " + t + " (v) VALUES ('r') RETURNING id, v")) {
                assertThat(returning.next()).isTrue();
                assertThat(returning.getLong(1)).isEqualTo(43);
                assertThat(returning.getString(2)).isEqualTo("r");
            }
            assertThat(s.executeUpdate("DELETE FROM " + t + " RETURNING id")).isEqualTo(2);
            s.setMaxRows(2);
            s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('x'), ('y'), ('z')");
            try (ResultSet limited = s.executeQuery("SELECT v FROM " + t)) {
                int rows = 0;
                while (limited.next()) {
                    rows++;
                }
                assertThat(rows).isEqualTo(2);
            }
            s.close();
            assertThat(s.isClosed()).isTrue();
            assertThatThrownBy(() -> s.executeQuery("SELECT 1")).isInstanceOf(SQLException.class)
                    .hasMessage("the statement is closed");
        }
    }

    @Test
    void namedOrNumberedGeneratedKeyColumnsComeBackForEveryInsertedRow() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v TEXT, code TEXT AS ('c' || v))");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + t + " (v) VALUES (?)",
                    new String[] {"id", "CODE"})) {
                insert.setString(1, "a");
                assertThat(insert.executeUpdate()).isEqualTo(1);
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    assertThat(keys.getMetaData().getColumnCount()).isEqualTo(2);
                    assertThat(keys.getMetaData().getColumnName(1)).isEqualTo("id");
                    assertThat(keys.getMetaData().getColumnName(2)).isEqualTo("code");
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong("id")).isEqualTo(1);
                    assertThat(keys.getString("code")).isEqualTo("ca");
                    assertThat(keys.next()).isFalse();
                }
                for (String v : List.of("b", "c", "d")) {
                    insert.setString(1, v);
                    insert.addBatch();
                }
                assertThat(insert.executeBatch()).containsExactly(1, 1, 1);
                List<String> keys = new ArrayList<>();
                try (ResultSet rs = insert.getGeneratedKeys()) {
                    while (rs.next()) {
                        keys.add(rs.getLong(1) + ":" + rs.getString(2));
                    }
                }
                assertThat(keys).as("one row per execution of the batch").containsExactly("2:cb", "3:cc", "4:cd");
            }

            assertThat(s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('e'), ('f');  -- two rows\n",
                    new int[] {3, 1})).isEqualTo(2);
            List<String> keys = new ArrayList<>();
            try (ResultSet rs = s.getGeneratedKeys()) {
                assertThat(rs.getMetaData().getColumnName(1)).isEqualTo("code");
                while (rs.next()) {
                    keys.add(rs.getString(1) + ":" + rs.getLong(2));
                }
            }
            assertThat(keys).containsExactly("ce:5", "cf:6");

            assertThat(s.execute("UPDATE " + t + " SET v = 'u' WHERE id = 1", new String[] {"id"})).isFalse();
            assertThat(s.getUpdateCount()).isEqualTo(1);
            try (ResultSet rs = s.getGeneratedKeys()) {
                assertThat(rs.next()).as("only an INSERT returns keys").isFalse();
            }
            try (PreparedStatement query = c.prepareStatement("SELECT count(*) FROM " + t, new String[] {"id"});
                 ResultSet rs = query.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(6);
            }

            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('g') RETURNING id",
                    new String[] {"id"})).isInstanceOf(SQLException.class)
                    .hasMessage("the INSERT has its own RETURNING clause: read its rows with executeQuery instead of "
                            + "asking for generated key columns");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('g')", new String[] {"nope"}))
                    .isInstanceOf(SQLException.class).hasMessageContaining("no such column: nope");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('g')", new int[] {0}))
                    .isInstanceOf(SQLException.class)
                    .hasMessage("generated key column index 0 is not a column: indexes start at 1");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + t + " (v) VALUES ('g')", new int[] {4}))
                    .isInstanceOf(SQLException.class)
                    .hasMessage("generated key column index 4 is past the table's 3 columns; the INSERT has run");
            assertThat(count(c, t)).isEqualTo(7);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + t + " (v) VALUES ('h')")) {
                assertThatThrownBy(() -> insert.executeUpdate("INSERT INTO " + t + " (v) VALUES ('h')",
                        new String[] {"id"})).isInstanceOf(SQLException.class)
                        .hasMessage("a PreparedStatement runs its own SQL: call the method without a SQL argument");
            }
        }
    }

    /** Binds one value as parameter {@code p} of a statement. */
    private interface Setter {
        void set(PreparedStatement ps, int p) throws Exception;
    }

    /** A setter and what {@code getObject(int)} gives back for the value it stored. */
    private record Bound(Setter setter, Object stored) {}

    @Test
    void preparedStatementSettersRoundTrip() throws Exception {
        Instant instant = Instant.parse("2024-05-06T07:08:09.123Z");
        UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        byte[] blob = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff};
        List<Bound> cases = List.of(
                new Bound((ps, p) -> ps.setBoolean(p, true), 1),
                new Bound((ps, p) -> ps.setByte(p, (byte) -8), -8),
                new Bound((ps, p) -> ps.setShort(p, (short) 300), 300),
                new Bound((ps, p) -> ps.setInt(p, Integer.MIN_VALUE), Integer.MIN_VALUE),
                new Bound((ps, p) -> ps.setLong(p, Long.MAX_VALUE), Long.MAX_VALUE),
                new Bound((ps, p) -> ps.setFloat(p, 0.1f), 0.1),
                new Bound((ps, p) -> ps.setDouble(p, -2.5e-300), -2.5e-300),
                new Bound((ps, p) -> ps.setBigDecimal(p, new BigDecimal("12.50")), 12.5),
                new Bound((ps, p) -> ps.setBigDecimal(p, new BigDecimal("0.1")), "0.1"),
                new Bound((ps, p) -> ps.setBigDecimal(p, new BigDecimal("100")), 100),
                new Bound((ps, p) -> ps.setString(p, "héllo \"wörld\" ✓"), "héllo \"wörld\" ✓"),
                new Bound((ps, p) -> ps.setNString(p, "n"), "n"),
                new Bound((ps, p) -> ps.setBytes(p, blob), blob),
                new Bound((ps, p) -> ps.setBytes(p, new byte[0]), new byte[0]),
                new Bound((ps, p) -> ps.setBlob(p, new ByteArrayInputStream(blob)), blob),
                new Bound((ps, p) -> ps.setBlob(p, new SerialBlob(blob)), blob),
                new Bound((ps, p) -> ps.setBinaryStream(p, new ByteArrayInputStream(blob), 2), new byte[] {0, 1}),
                new Bound((ps, p) -> ps.setCharacterStream(p, new StringReader("chars")), "chars"),
                new Bound((ps, p) -> ps.setDate(p, Date.valueOf("2024-02-29")), "2024-02-29"),
                new Bound((ps, p) -> ps.setTime(p, Time.valueOf("23:59:58")), "23:59:58"),
                new Bound((ps, p) -> ps.setTimestamp(p, Timestamp.valueOf("2024-01-02 03:04:05.678")),
                        "2024-01-02 03:04:05.678"),
                new Bound((ps, p) -> ps.setObject(p, LocalDate.of(2020, 1, 31)), "2020-01-31"),
                new Bound((ps, p) -> ps.setObject(p, LocalTime.of(1, 2, 3, 4_000_000)), "01:02:03.004"),
                new Bound((ps, p) -> ps.setObject(p, LocalDateTime.of(2020, 1, 31, 1, 2, 3)), "2020-01-31 01:02:03"),
                new Bound((ps, p) -> ps.setObject(p, OffsetDateTime.of(2020, 1, 31, 1, 2, 3, 0, ZoneOffset.ofHours(-5))),
                        "2020-01-31 01:02:03-05:00"),
                new Bound((ps, p) -> ps.setObject(p, instant), "2024-05-06 07:08:09.123Z"),
                new Bound((ps, p) -> ps.setObject(p, uuid), uuid.toString()),
                new Bound((ps, p) -> ps.setObject(p, Boolean.FALSE), 0),
                new Bound((ps, p) -> ps.setObject(p, 7L), 7),
                new Bound((ps, p) -> ps.setObject(p, 1.25d), 1.25),
                new Bound((ps, p) -> ps.setObject(p, blob), blob),
                new Bound((ps, p) -> ps.setObject(p, "42", Types.INTEGER), 42),
                new Bound((ps, p) -> ps.setObject(p, 42, Types.VARCHAR), "42"),
                new Bound((ps, p) -> ps.setObject(p, "1.5", JDBCType.DOUBLE), 1.5),
                new Bound((ps, p) -> ps.setObject(p, new BigDecimal("2.345"), Types.DECIMAL, 2), "2.35"),
                new Bound((ps, p) -> ps.setNull(p, Types.INTEGER), null),
                new Bound((ps, p) -> ps.setNull(p, Types.STRUCT, "whatever"), null),
                new Bound((ps, p) -> ps.setObject(p, null), null),
                new Bound((ps, p) -> ps.setString(p, null), null),
                new Bound((ps, p) -> ps.setBytes(p, null), null),
                new Bound((ps, p) -> ps.setBigDecimal(p, null), null),
                new Bound((ps, p) -> ps.setTimestamp(p, null), null),
                new Bound((ps, p) -> ps.setBinaryStream(p, (InputStream) null), null));
        try (Connection c = connect()) {
            // v has no declared type, so SQLite keeps every value in the storage class it was sent as.
            c.createStatement().executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + t + " (id, v) VALUES (?, ?)")) {
                assertThat(insert.getParameterMetaData().getParameterCount()).isEqualTo(2);
                for (int i = 0; i < cases.size(); i++) {
                    insert.setInt(1, i);
                    cases.get(i).setter().set(insert, 2);
                    assertThat(insert.executeUpdate()).isEqualTo(1);
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery("SELECT id, v FROM " + t + " ORDER BY id")) {
                for (Bound expected : cases) {
                    assertThat(rs.next()).isTrue();
                    int id = rs.getInt(1);
                    assertThat(rs.getObject(2)).as("row %d", id).isEqualTo(expected.stored());
                    assertThat(rs.wasNull()).as("row %d", id).isEqualTo(expected.stored() == null);
                }
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void javaTimeValuesRoundTripAndSqliteReadsThem() throws SQLException {
        LocalDate date = LocalDate.of(2024, 2, 29);
        LocalTime time = LocalTime.of(13, 14, 15, 16_000_000);
        LocalDateTime dateTime = LocalDateTime.of(2024, 2, 29, 13, 14, 15, 123_456_789);
        OffsetDateTime offset = OffsetDateTime.of(2024, 2, 29, 13, 14, 15, 0, ZoneOffset.ofHoursMinutes(5, 30));
        Instant instant = Instant.parse("2024-02-29T13:14:15.250Z");
        UUID uuid = UUID.fromString("00000000-0000-0000-0000-00000000002a");
        try (Connection c = connect()) {
            c.createStatement().executeUpdate("CREATE TABLE " + t + " (d DATE, t TIME, dt DATETIME, o TEXT, i TEXT, "
                    + "u TEXT, n NUMERIC, b BLOB)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setObject(1, date);
                ps.setObject(2, time);
                ps.setObject(3, dateTime);
                ps.setObject(4, offset);
                ps.setObject(5, instant);
                ps.setObject(6, uuid);
                ps.setBigDecimal(7, new BigDecimal("3.25"));
                ps.setBytes(8, new byte[] {9, 8, 7});
                ps.executeUpdate();
            }
            try (ResultSet rs = c.createStatement().executeQuery("SELECT d, t, dt, o, i, u, n, b, "
                    + "date(d, '+1 day'), time(t), datetime(dt), datetime(o), unixepoch(i), strftime('%f', i) FROM " + t)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getObject(1, LocalDate.class)).isEqualTo(date);
                assertThat(rs.getObject(2, LocalTime.class)).isEqualTo(time);
                assertThat(rs.getObject(3, LocalDateTime.class)).isEqualTo(dateTime);
                assertThat(rs.getObject(4, OffsetDateTime.class)).isEqualTo(offset);
                assertThat(rs.getObject(4, Instant.class)).isEqualTo(offset.toInstant());
                assertThat(rs.getObject(5, Instant.class)).isEqualTo(instant);
                assertThat(rs.getObject(6, UUID.class)).isEqualTo(uuid);
                assertThat(rs.getObject(7, BigDecimal.class)).isEqualTo(new BigDecimal("3.25"));
                assertThat(rs.getObject(7, Double.class)).isEqualTo(3.25);
                assertThat(rs.getObject(8, byte[].class)).isEqualTo(new byte[] {9, 8, 7});
                assertThat(rs.getObject(1, String.class)).isEqualTo("2024-02-29");
                assertThat(rs.getDate(1)).isEqualTo(Date.valueOf(date));
                assertThat(rs.getTime(2).toLocalTime()).isEqualTo(LocalTime.of(13, 14, 15));
                assertThat(rs.getTimestamp(3)).isEqualTo(Timestamp.valueOf(dateTime));
                // SQLite's date functions read what the driver wrote (and apply the offset, to UTC).
                assertThat(rs.getString(9)).isEqualTo("2024-03-01");
                assertThat(rs.getString(10)).isEqualTo("13:14:15");
                assertThat(rs.getString(11)).isEqualTo("2024-02-29 13:14:15");
                assertThat(rs.getString(12)).isEqualTo("2024-02-29 07:44:15");
                assertThat(rs.getLong(13)).isEqualTo(instant.getEpochSecond());
                assertThat(rs.getString(14)).isEqualTo("15.250");
                assertThatThrownBy(() -> rs.getObject(6, LocalDate.class)).isInstanceOf(SQLException.class)
                        .hasMessage("cannot convert TEXT '00000000-0000-0000-0000-00000000002a' to a date or time");
                assertThatThrownBy(() -> rs.getObject(1, StringBuilder.class))
                        .isInstanceOf(SQLFeatureNotSupportedException.class);
            }
        }
    }

    @Test
    void typedGettersAndWasNull() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT NULL AS n, 7 AS i, 2.75 AS r, '12' AS s, x'68690a' AS b, "
                     + "5000000000 AS big, 'true' AS tb, 1700000000123 AS epoch")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt("n")).isZero();
            assertThat(rs.wasNull()).isTrue();
            assertThat(rs.getString(1)).isNull();
            assertThat(rs.getBytes(1)).isNull();
            assertThat(rs.getTimestamp(1)).isNull();
            assertThat(rs.getObject(1, Integer.class)).isNull();
            assertThat(rs.getInt(2)).isEqualTo(7);
            assertThat(rs.wasNull()).isFalse();
            assertThat(rs.getLong(2)).isEqualTo(7L);
            assertThat(rs.getShort(2)).isEqualTo((short) 7);
            assertThat(rs.getByte(2)).isEqualTo((byte) 7);
            assertThat(rs.getDouble(2)).isEqualTo(7.0);
            assertThat(rs.getString(2)).isEqualTo("7");
            assertThat(rs.getBoolean(2)).isTrue();
            assertThat(rs.getObject(2)).isEqualTo(7);
            assertThat(rs.getDouble(3)).isEqualTo(2.75);
            assertThat(rs.getFloat(3)).isEqualTo(2.75f);
            assertThat(rs.getInt(3)).isEqualTo(2);
            assertThat(rs.getBigDecimal(3)).isEqualTo(new BigDecimal("2.75"));
            assertThat(rs.getObject(3)).isEqualTo(2.75);
            assertThat(rs.getInt(4)).isEqualTo(12);
            assertThat(rs.getObject(4)).isEqualTo("12");
            assertThat(rs.getBytes(5)).isEqualTo(new byte[] {'h', 'i', '\n'});
            assertThat(rs.getString(5)).isEqualTo("hi\n");
            assertThat(rs.getBlob(5).getBytes(1, 3)).isEqualTo(new byte[] {'h', 'i', '\n'});
            assertThat(rs.getObject(6)).isEqualTo(5_000_000_000L);
            assertThatThrownBy(() -> rs.getInt(6)).isInstanceOf(SQLException.class)
                    .hasMessage("5000000000 does not fit in an int");
            assertThat(rs.getBoolean(7)).isTrue();
            assertThat(rs.getTimestamp(8)).isEqualTo(new Timestamp(1_700_000_000_123L));
            assertThat(rs.findColumn("EPOCH")).isEqualTo(8);
            assertThatThrownBy(() -> rs.getInt("missing")).isInstanceOf(SQLException.class)
                    .hasMessage("no column 'missing' in this result; columns: [n, i, r, s, b, big, tb, epoch]");
            assertThatThrownBy(() -> rs.getInt(9)).hasMessage("column index 9 is out of range 1..8");
            assertThat(rs.getType()).isEqualTo(ResultSet.TYPE_FORWARD_ONLY);
            assertThat(rs.getConcurrency()).isEqualTo(ResultSet.CONCUR_READ_ONLY);
            assertThat(rs.next()).isFalse();
            assertThatThrownBy(() -> rs.getInt(1)).hasMessage("no current row: the result set is past its last row");
        }
    }

    @Test
    void resultSetMetaDataFromDeclaredTypesAndValues() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (a INTEGER, b VARCHAR(255), c BLOB, d REAL, e NUMERIC(10,2), "
                    + "f BIGINT, g, h DOUBLE PRECISION, i BOOLEAN)");
            s.executeUpdate("INSERT INTO " + t + " VALUES (1, 'x', x'00', 1.5, 2, 5000000000, 'any', 2.5, 1)");
            try (ResultSet rs = s.executeQuery("SELECT a, b, c, d, e, f, g, h, i, a + 1 AS expr, NULL AS none_ "
                    + "FROM " + t)) {
                ResultSetMetaData md = rs.getMetaData();
                assertThat(md.getColumnCount()).isEqualTo(11);
                int[] types = {Types.INTEGER, Types.VARCHAR, Types.BLOB, Types.DOUBLE, Types.NUMERIC, Types.BIGINT,
                    Types.VARCHAR, Types.DOUBLE, Types.NUMERIC, Types.INTEGER, Types.NULL};
                String[] names = {"INTEGER", "VARCHAR", "BLOB", "REAL", "NUMERIC", "BIGINT", "TEXT",
                    "DOUBLE PRECISION", "BOOLEAN", "INTEGER", "NULL"};
                String[] classes = {"java.lang.Integer", "java.lang.String", "[B", "java.lang.Double",
                    "java.lang.Object", "java.lang.Long", "java.lang.String", "java.lang.Double", "java.lang.Object",
                    "java.lang.Integer", "java.lang.Object"};
                for (int i = 1; i <= 11; i++) {
                    assertThat(md.getColumnType(i)).as("type of %d", i).isEqualTo(types[i - 1]);
                    assertThat(md.getColumnTypeName(i)).as("type name of %d", i).isEqualTo(names[i - 1]);
                    assertThat(md.getColumnClassName(i)).as("class of %d", i).isEqualTo(classes[i - 1]);
                    assertThat(md.isNullable(i)).isEqualTo(ResultSetMetaData.columnNullableUnknown);
                    assertThat(md.getPrecision(i)).isZero();
                    assertThat(md.getScale(i)).isZero();
                    assertThat(md.isAutoIncrement(i)).isFalse();
                    assertThat(md.getTableName(i)).isEmpty();
                }
                assertThat(md.getColumnName(10)).isEqualTo("expr");
                assertThat(md.getColumnLabel(11)).isEqualTo("none_");
                assertThat(md.isSigned(1)).isTrue();
                assertThat(md.isSigned(2)).isFalse();
                assertThatThrownBy(() -> md.getColumnType(12)).hasMessage("column index 12 is out of range 1..11");
            }
        }
    }

    // ------------------------------------------------------------------ batches and errors

    @Test
    void batchesAreAtomic() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            s.addBatch("INSERT INTO " + t + " VALUES (1, 'a')");
            s.addBatch("INSERT INTO " + t + " VALUES (2, 'b'), (3, 'c')");
            s.addBatch("UPDATE " + t + " SET v = 'z' WHERE id > 1");
            assertThat(s.executeBatch()).containsExactly(1, 2, 2);
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertThat(keys.next()).as("the batch ended with an UPDATE").isFalse();
            }
            assertThat(s.executeBatch()).as("executeBatch empties the batch").isEmpty();

            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " VALUES (?, ?)")) {
                ps.setInt(1, 10);
                ps.setString(2, "x");
                ps.addBatch();
                ps.setInt(1, 11);
                ps.setString(2, "y");
                ps.addBatch();
                assertThat(ps.executeLargeBatch()).containsExactly(1L, 1L);
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong(1)).isEqualTo(11);
                }
                ps.setInt(1, 12);
                ps.setString(2, "ok");
                ps.addBatch();
                ps.setInt(1, 1); // a duplicate key: the whole batch fails
                ps.setString(2, "dup");
                ps.addBatch();
                ps.setInt(1, 13);
                ps.setString(2, "never");
                ps.addBatch();
                assertThatThrownBy(ps::executeBatch).isInstanceOfSatisfying(BatchUpdateException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("batch statement 2 of 3 failed and nothing of the batch "
                            + "was applied: UNIQUE constraint failed: " + t + ".id");
                    assertThat(e.getUpdateCounts()).isEmpty();
                });
            }
            assertThat(count(c, t)).isEqualTo(5);
            assertThatThrownBy(() -> s.addBatch("SELECT 1")).hasMessage("a batch cannot hold a query (SELECT)");
        }
    }

    @Test
    void sqlErrorsCarrySqliteMessages() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY)");
            s.executeUpdate("INSERT INTO " + t + " VALUES (1)");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + t + " VALUES (1)"))
                    .isInstanceOfSatisfying(java.sql.SQLIntegrityConstraintViolationException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("UNIQUE constraint failed: " + t + ".id");
                        assertThat(e.getErrorCode()).isEqualTo(19);
                        assertThat(e.getSQLState()).isEqualTo("23000");
                    });
            assertThatThrownBy(() -> s.executeQuery("SELEC 1"))
                    .isInstanceOfSatisfying(java.sql.SQLSyntaxErrorException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1);
                        assertThat(e.getSQLState()).isEqualTo("42000");
                    })
                    .hasMessage("near \"SELEC\": syntax error");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM no_such_table"))
                    .hasMessage("no such table: no_such_table");
            assertThatThrownBy(() -> s.execute("BEGIN"))
                    .hasMessage("transaction control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) are not "
                            + "allowed here; send the statements in one request with the transaction parameter");
        }
    }

    @Test
    void executeQueryAndExecuteUpdateMisuse() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY)");
            assertThatThrownBy(() -> s.executeQuery("INSERT INTO " + t + " VALUES (1)"))
                    .hasMessage("executeQuery needs a statement that returns rows, and INSERT without RETURNING "
                            + "returns none: use executeUpdate or execute");
            assertThat(count(c, t)).as("refused before it was sent").isZero();
            assertThatThrownBy(() -> s.executeUpdate("SELECT * FROM " + t))
                    .hasMessage("executeUpdate cannot run a query (SELECT): use executeQuery or execute");
            assertThatThrownBy(() -> s.executeUpdate("PRAGMA table_info(" + t + ")"))
                    .hasMessage("executeUpdate ran a statement that returned rows (PRAGMA): use executeQuery or "
                            + "execute");
            assertThatThrownBy(() -> s.execute("  -- nothing\n"))
                    .hasMessage("the statement is empty");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " VALUES (?)")) {
                assertThatThrownBy(ps::executeUpdate).hasMessage("parameter 1 is not set");
                assertThatThrownBy(() -> ps.setInt(2, 1))
                        .hasMessage("parameter index 2 is out of range: the statement has 1 parameter(s)");
                assertThatThrownBy(() -> ps.executeQuery("SELECT 1"))
                        .hasMessage("a PreparedStatement runs its own SQL: call the method without a SQL argument");
                ps.setInt(1, 5);
                ps.clearParameters();
                assertThatThrownBy(ps::execute).hasMessage("parameter 1 is not set");
            }
            assertThatThrownBy(() -> c.prepareStatement("SELECT :name"))
                    .isInstanceOf(SQLFeatureNotSupportedException.class)
                    .hasMessage("parameter :name is not supported: the Halite driver binds parameters by position, "
                            + "use ?");
        }
    }

    @Test
    void unsupportedCallsSayNotSupported() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertThat(rs.next()).isTrue();
            assertThatThrownBy(rs::previous).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(rs::first).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(() -> rs.updateInt(1, 2)).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(rs::insertRow).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLFeatureNotSupportedException.class)
                    .hasMessage("savepoints are not supported: a Halite transaction is replayed on every node as one "
                            + "unit, and the server refuses SAVEPOINT and ROLLBACK TO inside it; roll back the whole "
                            + "transaction instead");
            assertThatThrownBy(() -> c.releaseSavepoint(null)).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(() -> c.prepareCall("CALL x()")).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(c::createBlob).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(() -> c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY))
                    .isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(() -> c.prepareStatement("SELECT 1", ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_UPDATABLE)).isInstanceOf(SQLFeatureNotSupportedException.class);
            assertThatThrownBy(s::cancel).isInstanceOf(SQLFeatureNotSupportedException.class)
                    .hasMessage("cancel is not supported: the server cannot stop a request once sent; set a query "
                            + "timeout (setQueryTimeout), which the server enforces");
            assertThatThrownBy(() -> c.getMetaData().getBestRowIdentifier(null, null, "t", 0, true))
                    .isInstanceOf(SQLFeatureNotSupportedException.class);
        }
    }

    @Test
    void connectionSettings() throws SQLException {
        try (Connection c = connect()) {
            assertThat(c.isValid(2)).isTrue();
            assertThat(c.getAutoCommit()).isTrue();
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            assertThatThrownBy(() -> c.setTransactionIsolation(Connection.TRANSACTION_NONE))
                    .hasMessage("unsupported transaction isolation level 0");
            c.setReadOnly(true);
            assertThat(c.isReadOnly()).isTrue();
            c.setNetworkTimeout(Runnable::run, 1500);
            assertThat(c.getNetworkTimeout()).isEqualTo(1500);
            assertThat(c.getCatalog()).isNull();
            assertThat(c.getSchema()).isNull();
            assertThat((Object) c.getWarnings()).isNull();
            assertThat(c.nativeSQL("SELECT 1")).isEqualTo("SELECT 1");
            assertThat(c.isWrapperFor(HaliteConnection.class)).isTrue();
            assertThat(c.unwrap(HaliteConnection.class).currentHost()).isEqualTo(hostPort);
            assertThatThrownBy(c::commit).hasMessage("commit() with auto-commit on");
        }
        Connection closed = connect();
        closed.close();
        assertThat(closed.isClosed()).isTrue();
        assertThat(closed.isValid(1)).isFalse();
        assertThatThrownBy(closed::createStatement).hasMessage("the connection is closed");
    }

    // ------------------------------------------------------------------ metadata

    @Test
    void databaseMetaDataDescribesTheSchema() throws SQLException {
        String parent = t + "_parent";
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE " + parent + " (a INTEGER, b TEXT, PRIMARY KEY (a, b))");
            s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL DEFAULT 'x', "
                    + "price DECIMAL(10,2), pa INTEGER, pb TEXT, "
                    + "FOREIGN KEY (pa, pb) REFERENCES " + parent + " ON DELETE CASCADE)");
            s.executeUpdate("CREATE UNIQUE INDEX " + t + "_name ON " + t + " (name DESC)");
            s.executeUpdate("CREATE VIEW " + t + "_view AS SELECT id FROM " + t);
            DatabaseMetaData md = c.getMetaData();
            assertThat(md.getDatabaseProductName()).isEqualTo("SQLite");
            try (ResultSet v = s.executeQuery("SELECT sqlite_version()")) {
                assertThat(v.next()).isTrue();
                assertThat(md.getDatabaseProductVersion()).isEqualTo(v.getString(1));
            }
            assertThat(md.getDatabaseMajorVersion()).isEqualTo(3);
            assertThat(md.getDriverName()).isEqualTo("Halite JDBC");
            assertThat(md.getURL()).isEqualTo(url);
            assertThat(md.getUserName()).isEmpty();
            assertThat(md.getIdentifierQuoteString()).isEqualTo("\"");
            assertThat(md.supportsTransactions()).isTrue();
            assertThat(md.getDefaultTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE)).isTrue();
            assertThat(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_COMMITTED)).isFalse();
            assertThat(md.supportsBatchUpdates()).isTrue();
            assertThat(md.supportsGetGeneratedKeys()).isTrue();
            assertThat(md.supportsSavepoints()).isFalse();
            assertThat(md.getConnection()).isSameAs(c);

            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, null, t + "%", null)) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                    assertThat(rs.getString("TABLE_CAT")).isNull();
                }
            }
            assertThat(tables).containsExactly(t + ":TABLE", parent + ":TABLE", t + "_view:VIEW");
            try (ResultSet rs = md.getTables(null, null, "%halite%", null)) {
                assertThat(rs.next()).as("nothing of Halite's in the user's schema").isFalse();
            }

            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, null, t, "%")) {
                while (rs.next()) {
                    columns.add(String.join("|", rs.getString("COLUMN_NAME"), rs.getString("DATA_TYPE"),
                            rs.getString("TYPE_NAME"), rs.getString("COLUMN_SIZE"), rs.getString("DECIMAL_DIGITS"),
                            rs.getString("NULLABLE"), rs.getString("IS_NULLABLE"), rs.getString("COLUMN_DEF"),
                            rs.getString("ORDINAL_POSITION"), rs.getString("IS_AUTOINCREMENT")));
                }
            }
            assertThat(columns).containsExactly(
                    "id|4|INTEGER|null|null|0|NO|null|1|YES",
                    "name|12|VARCHAR|40|null|0|NO|'x'|2|NO",
                    "price|2|DECIMAL|10|2|1|YES|null|3|NO",
                    "pa|4|INTEGER|null|null|1|YES|null|4|NO",
                    "pb|12|TEXT|null|null|1|YES|null|5|NO");

            try (ResultSet rs = md.getPrimaryKeys(null, null, parent)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("a");
                assertThat(rs.getShort("KEY_SEQ")).isEqualTo((short) 1);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("b");
                assertThat(rs.getShort("KEY_SEQ")).isEqualTo((short) 2);
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = md.getIndexInfo(null, null, t, true, false)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("INDEX_NAME")).isEqualTo(t + "_name");
                assertThat(rs.getBoolean("NON_UNIQUE")).isFalse();
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("name");
                assertThat(rs.getString("ASC_OR_DESC")).isEqualTo("D");
                assertThat(rs.getInt("ORDINAL_POSITION")).isEqualTo(1);
                assertThat(rs.next()).isFalse();
            }
            List<String> keys = new ArrayList<>();
            try (ResultSet rs = md.getImportedKeys(null, null, t)) {
                while (rs.next()) {
                    keys.add(String.join("|", rs.getString("PKTABLE_NAME"), rs.getString("PKCOLUMN_NAME"),
                            rs.getString("FKTABLE_NAME"), rs.getString("FKCOLUMN_NAME"), rs.getString("KEY_SEQ"),
                            rs.getString("DELETE_RULE"), rs.getString("UPDATE_RULE")));
                }
            }
            assertThat(keys).containsExactly(
                    parent + "|a|" + t + "|pa|1|" + DatabaseMetaData.importedKeyCascade + "|"
                            + DatabaseMetaData.importedKeyNoAction,
                    parent + "|b|" + t + "|pb|2|" + DatabaseMetaData.importedKeyCascade + "|"
                            + DatabaseMetaData.importedKeyNoAction);
            try (ResultSet rs = md.getExportedKeys(null, null, parent)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("FKTABLE_NAME")).isEqualTo(t);
            }
            try (ResultSet rs = md.getTableTypes()) {
                List<String> types = new ArrayList<>();
                while (rs.next()) {
                    types.add(rs.getString(1));
                }
                assertThat(types).containsExactly("SYSTEM TABLE", "TABLE", "VIEW");
            }
            try (ResultSet rs = md.getSchemas()) {
                assertThat(rs.getMetaData().getColumnName(1)).isEqualTo("TABLE_SCHEM");
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = md.getCatalogs()) {
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = md.getProcedures(null, null, "%")) {
                assertThat(rs.getMetaData().getColumnName(3)).isEqualTo("PROCEDURE_NAME");
                assertThat(rs.next()).as("SQLite has no stored procedures").isFalse();
            }
            assertThat(md.generatedKeyAlwaysReturned()).isTrue();
        }
    }

    @Test
    void typeInfoListsSqlitesFiveAffinitiesInDataTypeOrder() throws SQLException {
        try (Connection c = connect(); ResultSet rs = c.getMetaData().getTypeInfo()) {
            List<String> types = new ArrayList<>();
            while (rs.next()) {
                types.add(String.join("|", rs.getString("TYPE_NAME"), rs.getString("DATA_TYPE"),
                        rs.getString("PRECISION"), rs.getString("LITERAL_PREFIX"), rs.getString("LITERAL_SUFFIX"),
                        rs.getString("NULLABLE"), String.valueOf(rs.getBoolean("CASE_SENSITIVE")),
                        rs.getString("SEARCHABLE"), String.valueOf(rs.getBoolean("AUTO_INCREMENT")),
                        rs.getString("NUM_PREC_RADIX")));
            }
            assertThat(types).containsExactly(
                    "NUMERIC|2|15|null|null|1|false|3|false|10",
                    "INTEGER|4|19|null|null|1|false|3|true|10",
                    "REAL|8|15|null|null|1|false|3|false|10",
                    "TEXT|12|1000000000|'|'|1|true|3|false|null",
                    "BLOB|2004|1000000000|X'|'|1|false|2|false|null");
        }
    }

    // ------------------------------------------------------------------ pooling, consistency, failover

    @Test
    void hikariPoolInsertsFromEightThreads() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDataSourceClassName(HaliteDataSource.class.getName());
        config.addDataSourceProperty("url", "jdbc:halite://" + hostPort);
        config.addDataSourceProperty("timeout", "10s");
        config.setMaximumPoolSize(8);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, thread INTEGER, n INTEGER)");
            }
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int thread = 0; thread < 8; thread++) {
                    int id = thread;
                    done.add(threads.submit(() -> {
                        for (int n = 0; n < 25; n++) {
                            try (Connection c = pool.getConnection();
                                 PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " (thread, n) VALUES (?, ?)")) {
                                ps.setInt(1, id);
                                ps.setInt(2, n);
                                assertThat(ps.executeUpdate()).isEqualTo(1);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                threads.shutdownNow();
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT thread), sum(n) FROM " + t)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(200);
                assertThat(rs.getInt(2)).isEqualTo(8);
                assertThat(rs.getInt(3)).isEqualTo(8 * (24 * 25 / 2));
            }
        }
    }

    @Test
    void readsAfterAWriteCarryItsIndexOnEveryConnection() throws Exception {
        try (RecordingProxy proxy = new RecordingProxy(server.baseUrl())) {
            String proxied = "jdbc:halite://127.0.0.1:" + proxy.port() + "/?level=none";
            try (Connection writer = DriverManager.getConnection(proxied);
                 Connection reader = DriverManager.getConnection(proxied)) {
                writer.createStatement().executeUpdate("CREATE TABLE " + t + " (v TEXT)");
                writer.createStatement().executeUpdate("INSERT INTO " + t + " VALUES ('seen')");
                long index = server.node().status().appliedIndex();
                proxy.queries().clear();
                try (ResultSet rs = reader.createStatement().executeQuery("SELECT v FROM " + t)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("seen");
                }
                assertThat(proxy.queries()).containsExactly("POST /db/request?blob_array&error_codes&stored_values"
                        + "&raft_index&timeout=30000ms&level=none&min_index=" + index);
            }
            try (Connection unordered = DriverManager.getConnection("jdbc:halite://127.0.0.1:" + proxy.port()
                    + "?read_your_writes=false")) {
                proxy.queries().clear();
                unordered.createStatement().executeQuery("SELECT 1").close();
                assertThat(proxy.queries()).containsExactly(
                        "POST /db/request?blob_array&error_codes&stored_values&raft_index&timeout=30000ms&level=weak");
            }
        }
    }

    @Test
    void aClusterRecreatedAtTheSameAddressIsNotAskedForTheOldOnesIndexes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String sameAddress = "jdbc:halite://127.0.0.1:" + port + "/?timeout=3s";
        long oldIndex;
        Connection open = null;
        try {
            try (ApiTestServer old = ApiTestServer.startOnPort(port)) {
                open = DriverManager.getConnection(sameAddress);
                try (Connection c = DriverManager.getConnection(sameAddress); Statement s = c.createStatement()) {
                    s.executeUpdate("CREATE TABLE " + t + " (v INTEGER)");
                    for (int i = 0; i < 20; i++) {
                        s.executeUpdate("INSERT INTO " + t + " VALUES (" + i + ")");
                    }
                    assertThat(count(c, t)).isEqualTo(20);
                }
                assertThat(count(open, t)).isEqualTo(20);
                oldIndex = old.node().status().appliedIndex();
            }
            // Recreated with an empty data directory: its log is far behind the indexes this JVM has seen there.
            try (ApiTestServer recreated = ApiTestServer.startOnPort(port)) {
                assertThat(recreated.node().status().appliedIndex()).isLessThan(oldIndex - 10);
                // A connection open across the change first hears of the new cluster in the answer to a read
                // that asks for the old index; the read is tried again without it.
                try (Statement s = open.createStatement();
                     ResultSet tables = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
                    assertThat(tables.next()).isTrue();
                    assertThat(tables.getInt(1)).isZero();
                }
                try (Connection c = DriverManager.getConnection(sameAddress); Statement s = c.createStatement()) {
                    s.executeUpdate("CREATE TABLE " + t + " (v INTEGER)");
                    assertThat(s.executeUpdate("INSERT INTO " + t + " VALUES (7)")).isEqualTo(1);
                    assertThat(count(c, t)).isEqualTo(1);
                }
            }
        } finally {
            if (open != null) {
                open.close();
            }
        }
    }

    @Test
    void failsOverFromADeadHostToTheNext() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (Connection c = DriverManager.getConnection("jdbc:halite://127.0.0.1:" + dead + "," + hostPort
                + "/?timeout=5s"); Statement s = c.createStatement()) {
            assertThat(c.unwrap(HaliteConnection.class).currentHost()).isEqualTo(hostPort);
            s.executeUpdate("CREATE TABLE " + t + " (v INTEGER)");
            assertThat(s.executeUpdate("INSERT INTO " + t + " VALUES (1)")).isEqualTo(1);
            assertThat(count(c, t)).isEqualTo(1);
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:halite://127.0.0.1:" + dead + "/?timeout=300ms"))
                .isInstanceOf(java.sql.SQLTransientConnectionException.class)
                .hasMessage("no Halite node answered within 300 ms (hosts 127.0.0.1:" + dead + "); last: "
                        + "cannot connect to 127.0.0.1:" + dead + ": Connection refused");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    /**
     * A pass-through HTTP proxy in front of the real node that records each request's method, path and query:
     * what the driver sends is what the node answers, and the test sees the parameters.
     */
    private static final class RecordingProxy implements AutoCloseable {
        private final HttpServer http;
        private final List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();

        RecordingProxy(String target) throws Exception {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/", exchange -> {
                String pathAndQuery = exchange.getRequestURI().toString();
                if (!pathAndQuery.startsWith("/readyz")) {
                    queries.add(exchange.getRequestMethod() + " " + pathAndQuery);
                }
                byte[] body = exchange.getRequestBody().readAllBytes();
                try {
                    HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(URI.create(target + pathAndQuery))
                            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray());
                    exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                    exchange.getResponseBody().write(answer.body());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.sendResponseHeaders(503, -1);
                } finally {
                    exchange.close();
                }
            });
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        List<String> queries() {
            return queries;
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }
}
