package io.halite.jdbc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code jdbc:halite://host1:4001,host2:4001/?level=weak&timeout=5s} URL with its options. Options come
 * from the URL's query or from {@link Properties} (which win); unknown options are refused so that a typo does not
 * silently fall back to a default.
 *
 * @param hosts            {@code host:port} of every node in the URL, in order
 * @param level            read consistency sent as {@code level=} on requests outside transactions
 * @param timeout          request timeout, also the server's {@code timeout=} and the wait for the write lock at
 *                         transaction begin
 * @param txIdleTimeout    how long the server keeps an idle transaction open
 * @param readYourWrites   whether reads wait for the highest log index this JVM has seen written to the cluster
 * @param authorization    the Basic Authorization header for the user and password options, or null
 * @param tls              HTTPS ({@code ssl=true}), or null for plain HTTP
 */
record DriverOptions(String url, List<String> hosts, String level, Duration timeout, Duration txIdleTimeout,
                     boolean readYourWrites, String authorization, HttpConnection.Tls tls) {
    static final String PREFIX = "jdbc:halite://";
    static final int DEFAULT_PORT = 4001;
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final List<String> LEVELS = List.of("none", "weak", "linearizable", "strong");
    /** pgjdbc's names: verify-full checks the chain and the host name, verify-ca the chain only. */
    private static final List<String> SSL_MODES = List.of("verify-full", "verify-ca");

    /** Every option with its default and meaning; also what {@code getPropertyInfo} describes. */
    private enum Option {
        LEVEL("level", "weak", "read consistency: none, weak, linearizable or strong"),
        TIMEOUT("timeout", "30s", "request timeout as a duration (500ms, 5s, 1m); also the wait for the write lock "
                + "when a transaction begins"),
        TX_IDLE_TIMEOUT("tx_idle_timeout", "10s", "how long the server keeps an idle transaction open"),
        READ_YOUR_WRITES("read_your_writes", "true", "reads wait until the node has applied the last write this JVM "
                + "saw committed to the cluster (true or false)"),
        SSL("ssl", "false", "talk to the nodes over HTTPS (true or false)"),
        SSLMODE("sslmode", "verify-full", "with ssl: verify-full checks that a node's certificate is signed by a "
                + "trusted CA and names the host in the URL; verify-ca checks the CA only"),
        SSLROOTCERT("sslrootcert", null, "with ssl: a PEM file of the CA certificates to trust (default: the JDK's)"),
        SSLCERT("sslcert", null, "with ssl: a PEM client certificate, for nodes that verify clients"),
        SSLKEY("sslkey", null, "with sslcert: its private key, an unencrypted PKCS#8 PEM file (BEGIN PRIVATE KEY)"),
        USER("user", null, "user name, for a cluster that runs with --auth"),
        PASSWORD("password", null, "the user's password");

        final String key;
        final String defaultValue;
        final String description;

        Option(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        static Option of(String key) {
            for (Option o : values()) {
                if (o.key.equals(key)) {
                    return o;
                }
            }
            return null;
        }
    }

    static boolean accepts(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    static DriverOptions parse(String url, Properties info) throws SQLException {
        if (!accepts(url)) {
            throw new SQLException("not a Halite URL (expected " + PREFIX + "host:port,...): " + url, "08001");
        }
        String rest = url.substring(PREFIX.length());
        int query = rest.indexOf('?');
        String authority = query < 0 ? rest : rest.substring(0, query);
        int slash = authority.indexOf('/');
        if (slash >= 0) {
            if (slash != authority.length() - 1) {
                throw new SQLException("a Halite URL has no database path; use " + PREFIX + "host:port,...[/][?options]"
                        + ", not " + url, "08001");
            }
            authority = authority.substring(0, slash);
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (query >= 0) {
            for (String pair : rest.substring(query + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                values.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                values.put(key, info.getProperty(key));
            }
        }
        for (String key : values.keySet()) {
            if (Option.of(key) == null) {
                throw new SQLException("unknown option '" + key + "'; valid options: " + validOptions(), "08001");
            }
        }
        String level = values.getOrDefault(Option.LEVEL.key, Option.LEVEL.defaultValue).toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new SQLException("invalid level '" + level + "'; use one of " + String.join(", ", LEVELS), "08001");
        }
        return new DriverOptions(url, hosts(authority, url), level,
                positiveDuration(values, Option.TIMEOUT), positiveDuration(values, Option.TX_IDLE_TIMEOUT),
                bool(values, Option.READ_YOUR_WRITES), authorization(values), tls(values));
    }

    /** Without the credentials, so that the options can be printed. */
    @Override
    public String toString() {
        return "DriverOptions[hosts=" + hosts + ", level=" + level + ", timeout=" + timeout + ", txIdleTimeout="
                + txIdleTimeout + ", readYourWrites=" + readYourWrites + ", user=" + (authorization != null)
                + ", ssl=" + (tls != null) + "]";
    }

    /** Basic credentials from the user and password options; both or neither must be given. */
    private static String authorization(Map<String, String> values) throws SQLException {
        String user = values.get(Option.USER.key);
        String password = values.get(Option.PASSWORD.key);
        if (user == null || user.isEmpty()) {
            // Tools send an empty user and password when none was configured: that is no credentials.
            if (password != null && !password.isEmpty()) {
                throw new SQLException("a password without a user; give the user option too", "28000");
            }
            return null;
        }
        if (user.indexOf(':') >= 0) {
            throw new SQLException("a user name cannot contain ':' (Basic authentication could not send it)", "28000");
        }
        if (password == null) {
            throw new SQLException("user " + user + " has no password; give the password option", "28000");
        }
        return "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpConnection.Tls tls(Map<String, String> values) throws SQLException {
        if (!bool(values, Option.SSL)) {
            for (Option o : List.of(Option.SSLMODE, Option.SSLROOTCERT, Option.SSLCERT, Option.SSLKEY)) {
                if (values.containsKey(o.key)) {
                    throw new SQLException(o.key + " needs ssl=true", "08001");
                }
            }
            return null;
        }
        String mode = values.getOrDefault(Option.SSLMODE.key, Option.SSLMODE.defaultValue);
        if (!SSL_MODES.contains(mode)) {
            throw new SQLException("invalid sslmode '" + mode + "'; use one of " + String.join(", ", SSL_MODES), "08001");
        }
        String cert = values.get(Option.SSLCERT.key);
        String key = values.get(Option.SSLKEY.key);
        if ((cert == null) != (key == null)) {
            throw new SQLException("sslcert and sslkey go together", "08001");
        }
        return DriverTls.create(values.get(Option.SSLROOTCERT.key), cert, key, mode.equals("verify-full"));
    }

    /** Each option with its current value from {@code info} (or its default), for {@code Driver.getPropertyInfo}. */
    static DriverPropertyInfo[] describe(Properties info) {
        List<DriverPropertyInfo> all = new ArrayList<>();
        for (Option o : Option.values()) {
            String value = info == null ? null : info.getProperty(o.key);
            DriverPropertyInfo p = new DriverPropertyInfo(o.key, value != null ? value : o.defaultValue);
            p.description = o.description + (o.defaultValue == null ? "" : " (default " + o.defaultValue + ")");
            p.required = false;
            if (o == Option.LEVEL) {
                p.choices = LEVELS.toArray(String[]::new);
            } else if (o == Option.SSLMODE) {
                p.choices = SSL_MODES.toArray(String[]::new);
            } else if (o == Option.READ_YOUR_WRITES || o == Option.SSL) {
                p.choices = new String[] {"true", "false"};
            }
            all.add(p);
        }
        return all.toArray(DriverPropertyInfo[]::new);
    }

    /** The hosts as one key: the same cluster whatever order or case its URLs list the nodes in. */
    String clusterKey() {
        return String.join(",", hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).sorted().toList());
    }

    /**
     * Parses a duration in Go's syntax, as rqlite and Halite write them: a sequence of decimal numbers each with
     * a unit ({@code ns us µs ms s m h}), such as {@code 500ms}, {@code 5s} or {@code 1m30s}; a bare {@code 0} too.
     *
     * @throws IllegalArgumentException if the text is not such a duration
     */
    static Duration parseDuration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(text);
        int at = 0;
        Duration total = Duration.ZERO;
        while (at < text.length() || at == 0) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 5s, 1m30s)");
            }
            double nanosPerUnit = switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            total = total.plusNanos(Math.round(Double.parseDouble(m.group(1)) * nanosPerUnit));
            at = m.end();
        }
        return total;
    }

    /** A duration as the server reads it: whole milliseconds, at least one. */
    static String formatDuration(Duration d) {
        return Math.max(1, d.toMillis()) + "ms";
    }

    private static List<String> hosts(String authority, String url) throws SQLException {
        List<String> hosts = new ArrayList<>();
        for (String part : authority.split(",")) {
            String host = part.trim();
            if (host.isEmpty()) {
                throw new SQLException("empty host in " + url, "08001");
            }
            // An IPv6 address is bracketed ([::1]:4001); its colons are not the port separator.
            int colon = host.lastIndexOf(':');
            boolean hasPort = colon > host.lastIndexOf(']');
            if (!hasPort) {
                host = host + ":" + DEFAULT_PORT;
            } else {
                String port = host.substring(colon + 1);
                if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535 || colon == 0) {
                    throw new SQLException("invalid host:port '" + part + "' in " + url, "08001");
                }
            }
            hosts.add(host);
        }
        return List.copyOf(hosts);
    }

    private static Duration positiveDuration(Map<String, String> values, Option option) throws SQLException {
        String text = values.getOrDefault(option.key, option.defaultValue);
        try {
            Duration d = parseDuration(text);
            if (d.isZero()) {
                throw new IllegalArgumentException("it must be more than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new SQLException("invalid " + option.key + ": " + e.getMessage(), "08001");
        }
    }

    private static boolean bool(Map<String, String> values, Option option) throws SQLException {
        String text = values.getOrDefault(option.key, option.defaultValue);
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new SQLException("invalid " + option.key + " '" + text + "': use true or false", "08001");
        };
    }

    private static String validOptions() {
        List<String> keys = new ArrayList<>();
        for (Option o : Option.values()) {
            keys.add(o.key);
        }
        return String.join(", ", keys);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
