package io.halite.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DriverOptionsTest {
    @Test
    void defaults() throws SQLException {
        DriverOptions o = DriverOptions.parse("jdbc:halite://localhost", null);
        assertThat(o.hosts()).containsExactly("localhost:4001");
        assertThat(o.level()).isEqualTo("weak");
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.txIdleTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.readYourWrites()).isTrue();
    }

    @Test
    void hostsPathAndQuery() throws SQLException {
        DriverOptions o = DriverOptions.parse("jdbc:halite://h1:4001,h2:5002,[::1]:6003,[::2]/?level=strong"
                + "&timeout=1m30s&tx_idle_timeout=500ms&read_your_writes=false", null);
        assertThat(o.hosts()).containsExactly("h1:4001", "h2:5002", "[::1]:6003", "[::2]:4001");
        assertThat(o.level()).isEqualTo("strong");
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.txIdleTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.readYourWrites()).isFalse();
        assertThat(DriverOptions.parse("jdbc:halite://h1:1/", null).hosts()).containsExactly("h1:1");
    }

    @Test
    void propertiesWinOverTheUrl() throws SQLException {
        Properties p = new Properties();
        p.setProperty("level", "none");
        p.setProperty("user", "app");
        p.setProperty("password", "from-properties");
        DriverOptions o = DriverOptions.parse("jdbc:halite://h?level=linearizable&user=x&password=from-url", p);
        assertThat(o.level()).isEqualTo("none");
        assertThat(o.authorization()).isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString(
                "app:from-properties".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void userAndPasswordBecomeBasicCredentialsThatToStringLeavesOut() throws SQLException {
        DriverOptions o = DriverOptions.parse("jdbc:halite://h?user=app&password=p%40ss%3Aw", null);
        assertThat(o.authorization()).isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString(
                "app:p@ss:w".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(o.toString()).doesNotContain("p@ss").doesNotContain(o.authorization().substring(6));
        Properties empty = new Properties();
        empty.setProperty("user", "");
        empty.setProperty("password", "");
        assertThat(DriverOptions.parse("jdbc:halite://h", empty).authorization()).isNull();
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?user=app", null))
                .hasMessage("user app has no password; give the password option");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?password=x", null))
                .hasMessage("a password without a user; give the user option too");
    }

    @Test
    void unknownOptionNamesItAndTheValidOnes() {
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?levl=weak", null))
                .isInstanceOf(SQLException.class)
                .hasMessage("unknown option 'levl'; valid options: level, timeout, tx_idle_timeout, read_your_writes, "
                        + "ssl, sslmode, sslrootcert, sslcert, sslkey, user, password");
    }

    @Test
    void invalidValues() {
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?level=eventual", null))
                .hasMessage("invalid level 'eventual'; use one of none, weak, linearizable, strong");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?timeout=5", null))
                .hasMessage("invalid timeout: '5' is not a duration (examples: 500ms, 5s, 1m30s)");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?timeout=0", null))
                .hasMessage("invalid timeout: it must be more than 0");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?read_your_writes=yes", null))
                .hasMessage("invalid read_your_writes 'yes': use true or false");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h:99999", null))
                .hasMessage("invalid host:port 'h:99999' in jdbc:halite://h:99999");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h,,g", null))
                .hasMessage("empty host in jdbc:halite://h,,g");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h/db", null))
                .hasMessage("a Halite URL has no database path; use jdbc:halite://host:port,...[/][?options], not "
                        + "jdbc:halite://h/db");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:sqlite:x.db", null))
                .hasMessage("not a Halite URL (expected jdbc:halite://host:port,...): jdbc:sqlite:x.db");
    }

    @Test
    void durations() {
        assertThat(DriverOptions.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThat(DriverOptions.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DriverOptions.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DriverOptions.parseDuration("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(DriverOptions.parseDuration("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(DriverOptions.parseDuration("7ns")).isEqualTo(Duration.ofNanos(7));
        for (String bad : List.of("", "5", "s", "5 s", "-1s", "1d", "1s2")) {
            assertThatThrownBy(() -> DriverOptions.parseDuration(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(DriverOptions.formatDuration(Duration.ofSeconds(5))).isEqualTo("5000ms");
        assertThat(DriverOptions.formatDuration(Duration.ofNanos(10))).isEqualTo("1ms");
    }

    @Test
    void clusterKeyIgnoresOrderAndCase() throws SQLException {
        assertThat(DriverOptions.parse("jdbc:halite://B:1,a:2", null).clusterKey())
                .isEqualTo(DriverOptions.parse("jdbc:halite://A:2,b:1/", null).clusterKey())
                .isEqualTo("a:2,b:1");
    }

    @Test
    void tlsOptionsAreCheckedAndNamedInErrors() throws SQLException {
        assertThat(DriverOptions.parse("jdbc:halite://h", null).tls()).isNull();
        assertThat(DriverOptions.parse("jdbc:halite://h?ssl=true", null).tls().verifyHostname()).isTrue();
        assertThat(DriverOptions.parse("jdbc:halite://h?ssl=true&sslmode=verify-ca", null).tls().verifyHostname())
                .isFalse();
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?sslrootcert=/ca.pem", null))
                .hasMessage("sslrootcert needs ssl=true");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?ssl=true&sslmode=require", null))
                .hasMessage("invalid sslmode 'require'; use one of verify-full, verify-ca");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?ssl=true&sslcert=/c.pem", null))
                .hasMessage("sslcert and sslkey go together");
        assertThatThrownBy(() -> DriverOptions.parse("jdbc:halite://h?ssl=true&sslrootcert=/no/such/ca.pem", null))
                .hasMessageContaining("sslrootcert: /no/such/ca.pem does not exist");
    }

    @Test
    void propertyInfoDescribesEveryOption() {
        Properties p = new Properties();
        p.setProperty("timeout", "5s");
        DriverPropertyInfo[] info = DriverOptions.describe(p);
        assertThat(Arrays.stream(info).map(i -> i.name))
                .containsExactly("level", "timeout", "tx_idle_timeout", "read_your_writes", "ssl", "sslmode",
                        "sslrootcert", "sslcert", "sslkey", "user", "password");
        assertThat(Arrays.stream(info).map(i -> i.value))
                .containsExactly("weak", "5s", "10s", "true", "false", "verify-full", null, null, null, null, null);
        assertThat(info[0].choices).containsExactly("none", "weak", "linearizable", "strong");
        assertThat(info[1].description).isEqualTo("request timeout as a duration (500ms, 5s, 1m); also the wait for "
                + "the write lock when a transaction begins (default 30s)");
    }

    @Test
    void driverAcceptsOnlyHaliteUrls() {
        HaliteDriver driver = new HaliteDriver();
        assertThat(driver.acceptsURL("jdbc:halite://h")).isTrue();
        assertThat(driver.acceptsURL("jdbc:sqlite:x")).isFalse();
        assertThat(driver.acceptsURL(null)).isFalse();
        assertThat(driver.jdbcCompliant()).isFalse();
    }
}
