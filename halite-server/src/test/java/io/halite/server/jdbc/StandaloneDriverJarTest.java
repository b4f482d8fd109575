package io.halite.server.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.server.http.ApiTestServer;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver's jar as a database tool (DBeaver, IntelliJ) uses it: the built file, {@code
 * halite-jdbc/target/halite-jdbc-VERSION.jar}, alone in a fresh class loader whose parent is the platform class
 * loader, so nothing on this test's class path (its Jackson included) can stand in for what the jar lacks. Only
 * {@code java.sql} types cross into it. The jar is built by {@code mvn -B verify} (or {@code package}) from the
 * repository root before halite-server's tests run; the build passes its path as {@code halite.jdbc.jar}.
 */
class StandaloneDriverJarTest {
    private static Path jar;
    private static URLClassLoader loader;
    private static ApiTestServer server;
    private static String url;

    @BeforeAll
    static void loadTheJarAloneAndStartANode() throws Exception {
        String path = System.getProperty("halite.jdbc.jar");
        assertThat(path).as("the system property halite.jdbc.jar (set by halite-server's pom for Surefire)")
                .isNotBlank();
        jar = Path.of(path);
        assertThat(jar).as("the driver jar is not built: run `mvn -B verify -pl halite-server -am` (or package) "
                + "from the repository root, which builds it before these tests").isRegularFile();
        loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        server = ApiTestServer.start();
        url = "jdbc:halite://" + URI.create(server.baseUrl()).getAuthority() + "/?timeout=10s";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (loader != null) {
            loader.close();
        }
    }

    /** The driver as a tool finds it: through the jar's ServiceLoader registration. */
    private static Driver driver() {
        List<Driver> drivers = ServiceLoader.load(Driver.class, loader).stream().map(ServiceLoader.Provider::get)
                .filter(d -> d.getClass().getClassLoader() == loader).toList();
        assertThat(drivers).hasSize(1);
        return drivers.get(0);
    }

    private static Connection connect() throws SQLException {
        Connection c = driver().connect(url, new Properties());
        assertThat(c).as("the driver accepts " + url).isNotNull();
        return c;
    }

    private static List<String> rows(ResultSet rs, String... columns) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (String column : columns) {
                    values.add(rs.getString(column));
                }
                rows.add(String.join("|", values));
            }
        }
        return rows;
    }

    @Test
    void theJarHoldsOnlyTheDriversPackagesWithJacksonRelocatedAndItsLicenses() throws Exception {
        try (JarFile file = new JarFile(jar.toFile())) {
            List<String> foreignClasses = file.stream().map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class") && !name.startsWith("io/halite/jdbc/")).toList();
            assertThat(foreignClasses).isEmpty();
            assertThat(file.getEntry("io/halite/jdbc/shaded/jackson/core/JsonFactory.class")).isNotNull();
            assertThat(new String(file.getInputStream(file.getEntry("META-INF/services/java.sql.Driver"))
                    .readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo("io.halite.jdbc.HaliteDriver");
            assertThat(file.getEntry("META-INF/LICENSE")).as("jackson-core's license").isNotNull();
            assertThat(file.getEntry("META-INF/NOTICE")).as("jackson-core's notice").isNotNull();
        }
        assertThatThrownBy(() -> loader.loadClass("com.fasterxml.jackson.core.JsonFactory"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void thePublishedPomDependsOnNothingAtRuntime() throws IOException {
        String pom = Files.readString(jar.resolveSibling("dependency-reduced-pom.xml"));
        Matcher dependency = Pattern.compile("<dependency>.*?</dependency>", Pattern.DOTALL).matcher(pom);
        while (dependency.find()) {
            assertThat(dependency.group()).as("a dependency left in the published pom").contains("<scope>test</scope>");
        }
    }

    @Test
    void aToolLoadingTheJarAloneConnectsQueriesReadsMetadataAndRunsATransaction() throws Exception {
        Driver driver = driver();
        assertThat(driver.getClass().getName()).isEqualTo("io.halite.jdbc.HaliteDriver");
        assertThat(driver.acceptsURL("jdbc:halite://localhost:4001/")).isTrue();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE tool_author (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
            s.executeUpdate("CREATE TABLE tool_book (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, "
                    + "author_id INTEGER REFERENCES tool_author (id) ON DELETE CASCADE, cover BLOB)");
            s.executeUpdate("CREATE INDEX tool_book_author ON tool_book (author_id)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO tool_author (name) VALUES (?)",
                    new String[] {"id"})) {
                insert.setString(1, "Ursula");
                assertThat(insert.executeUpdate()).isEqualTo(1);
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong("id")).isEqualTo(1);
                }
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO tool_book (title, author_id, cover) VALUES (?, ?, ?)")) {
                insert.setString(1, "The Dispossessed");
                insert.setLong(2, 1);
                insert.setBytes(3, new byte[] {0, -1, 42});
                insert.executeUpdate();
            }
            try (ResultSet rs = s.executeQuery("SELECT b.title, a.name, b.cover FROM tool_book b "
                    + "JOIN tool_author a ON a.id = b.author_id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("The Dispossessed");
                assertThat(rs.getString(2)).isEqualTo("Ursula");
                assertThat(rs.getBytes(3)).containsExactly(0, -1, 42);
                assertThat(rs.next()).isFalse();
            }

            DatabaseMetaData md = c.getMetaData();
            String version = jar.getFileName().toString().replaceAll("^halite-jdbc-(.*)\\.jar$", "$1");
            assertThat(md.getDriverName()).isEqualTo("Halite JDBC");
            assertThat(md.getDriverVersion()).as("the jar's Implementation-Version").isEqualTo(version);
            assertThat(md.getDatabaseProductName()).isEqualTo("SQLite");
            assertThat(md.getDatabaseProductVersion()).startsWith("3.");
            assertThat(md.getIdentifierQuoteString()).isEqualTo("\"");
            assertThat(rows(md.getTables(null, null, "tool_%", new String[] {"TABLE"}), "TABLE_NAME", "TABLE_TYPE"))
                    .containsExactly("tool_author|TABLE", "tool_book|TABLE");
            assertThat(rows(md.getColumns(null, null, "tool_book", null), "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME",
                    "COLUMN_SIZE", "IS_NULLABLE")).containsExactly(
                    "id|" + Types.INTEGER + "|INTEGER|null|NO",
                    "title|" + Types.VARCHAR + "|VARCHAR|200|NO",
                    "author_id|" + Types.INTEGER + "|INTEGER|null|YES",
                    "cover|" + Types.BLOB + "|BLOB|null|YES");
            assertThat(rows(md.getPrimaryKeys(null, null, "tool_book"), "COLUMN_NAME", "KEY_SEQ"))
                    .containsExactly("id|1");
            assertThat(rows(md.getIndexInfo(null, null, "tool_book", false, false), "INDEX_NAME", "NON_UNIQUE",
                    "COLUMN_NAME")).containsExactly("tool_book_author|1|author_id");
            assertThat(rows(md.getIndexInfo(null, null, "tool_author", true, false), "NON_UNIQUE", "COLUMN_NAME"))
                    .as("the UNIQUE constraint's automatic index").containsExactly("0|name");
            String key = "PKTABLE_NAME|PKCOLUMN_NAME|FKTABLE_NAME|FKCOLUMN_NAME|DELETE_RULE";
            String expectedKey = "tool_author|id|tool_book|author_id|" + DatabaseMetaData.importedKeyCascade;
            assertThat(rows(md.getImportedKeys(null, null, "tool_book"), key.split("\\|")))
                    .containsExactly(expectedKey);
            assertThat(rows(md.getExportedKeys(null, null, "tool_author"), key.split("\\|")))
                    .containsExactly(expectedKey);
            assertThat(rows(md.getCrossReference(null, null, "tool_author", null, null, "tool_book"),
                    key.split("\\|"))).containsExactly(expectedKey);
            assertThat(rows(md.getTypeInfo(), "TYPE_NAME")).containsExactly("NUMERIC", "INTEGER", "REAL", "TEXT",
                    "BLOB");
            assertThat(rows(md.getSchemas(), "TABLE_SCHEM")).isEmpty();
            assertThat(rows(md.getCatalogs(), "TABLE_CAT")).isEmpty();
            assertThat(rows(md.getTableTypes(), "TABLE_TYPE")).containsExactly("SYSTEM TABLE", "TABLE", "VIEW");

            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO tool_author (name) VALUES ('Iain')");
            assertThat(rows(s.executeQuery("SELECT count(*) AS n FROM tool_author"), "n"))
                    .as("a transaction reads its own write").containsExactly("2");
            c.rollback();
            s.executeUpdate("INSERT INTO tool_author (name) VALUES ('Octavia')");
            c.commit();
            c.setAutoCommit(true);
        }
        try (Connection other = connect(); Statement s = other.createStatement()) {
            assertThat(rows(s.executeQuery("SELECT name FROM tool_author ORDER BY id"), "name"))
                    .containsExactly("Ursula", "Octavia");
        }
    }
}
