package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image as users get it: the root Dockerfile, built with {@code docker build}, run with
 * {@code docker run}. Container registries may be out of reach, so both base images are made here from Debian
 * packages (debootstrap, then {@code docker import}) and kept between runs. Containers see no network but their
 * own ({@code --network none}, talked to through {@code docker exec}) or the host's on loopback ports
 * ({@code --network host}); no bridge network is made.
 */
class ContainerImageTest {
    private static final String RUNTIME_BASE = "halite-test/jre17-base";
    private static final String BUILD_BASE = "halite-test/jdk17-maven-base";
    private static final String IMAGE = "halite-test/halite:dev";
    private static final Path LOGS = Path.of("target", "container-image-test");
    /** Generous: three JVMs starting at once on a loaded 2-core machine take a while to elect a leader. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * An HTTP/1.1 request from inside a container, where the image offers no HTTP client: bash's /dev/tcp. Its
     * arguments are the method, path and JSON body.
     */
    private static final String HTTP_IN_BASH = """
            exec 3<>/dev/tcp/127.0.0.1/4001 || exit 7
            printf '%s %s HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "$1" "$2" "${#3}" "$3" >&3
            cat <&3
            """;

    private final Docker docker = new Docker(LOGS);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private record Reply(int status, String body) {}

    @BeforeAll
    static void buildImage() throws Exception {
        Optional<String> unavailable = Docker.unavailable();
        if (unavailable.isPresent()) {
            String reason = "ContainerImageTest skipped: docker cannot run containers here (" + unavailable.get()
                    + "); .ci/run installs docker.io and starts dockerd";
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        Files.createDirectories(LOGS);
        long started = System.nanoTime();
        baseImage(RUNTIME_BASE, "openjdk-17-jre-headless", false);
        baseImage(BUILD_BASE, "openjdk-17-jdk-headless,maven", true);
        long built = System.nanoTime();
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("Dockerfile")).exists();
        Docker.Result build = Docker.run(Duration.ofMinutes(20), "docker", "build", "--network", "host",
                "--build-arg", "BASE=" + RUNTIME_BASE, "--build-arg", "BUILD_BASE=" + BUILD_BASE,
                "--tag", IMAGE, root.toString());
        Files.writeString(LOGS.resolve("build.log"), build.output());
        assertThat(build.exitCode()).as("docker build (log in %s):\n%s", LOGS.resolve("build.log"),
                tail(build.output())).isZero();
        System.out.printf("ContainerImageTest: base images ready in %d s, image built in %d s%n",
                Duration.ofNanos(built - started).toSeconds(), Duration.ofNanos(System.nanoTime() - built).toSeconds());
    }

    /**
     * A Debian bookworm image holding {@code packages}, made once and kept under {@code tag}. The build base gets
     * the trust store of the Java running this test, so that Maven in it reaches Maven Central through whatever
     * TLS proxy this machine's Maven goes through.
     */
    private static void baseImage(String tag, String packages, boolean withThisTrustStore) throws Exception {
        if (Docker.run(Duration.ofSeconds(30), "docker", "image", "inspect", tag).exitCode() == 0) {
            return;
        }
        boolean debootstrap = Docker.run(Duration.ofSeconds(10), "sh", "-c", "command -v debootstrap").exitCode() == 0;
        assumeTrue(debootstrap, "ContainerImageTest skipped: base image " + tag
                + " is missing and debootstrap is not installed to make it (.ci/run installs it)");
        Path root = Files.createTempDirectory("halite-debootstrap-");
        try {
            Docker.require(Duration.ofMinutes(20), "debootstrap", "--variant=minbase", "--include=" + packages,
                    "bookworm", root.toString(), "http://deb.debian.org/debian");
            if (withThisTrustStore) {
                Files.copy(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"),
                        root.resolve("etc/ssl/certs/java/cacerts"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Docker.require(Duration.ofMinutes(10), "sh", "-c", "tar -C \"$1\" -c . | docker import - \"$2\"", "sh",
                    root.toString(), tag);
        } finally {
            Docker.run(Duration.ofMinutes(2), "rm", "-rf", root.toString());
        }
    }

    @AfterEach
    void removeContainers() throws Exception {
        docker.close();
    }

    @Test
    void aNodeStartsWithNoFlagsAsANonRootUserAnswersAndTurnsHealthy() throws Exception {
        String node = docker.start("single", List.of("--network", "none", "--memory", "512m"), IMAGE);
        awaitReadyInside(node);

        assertThat(inside(node, "POST", "/db/execute", """
                ["CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT)", ["INSERT INTO person(name) VALUES(?)", "fiona"]]
                """)).isEqualTo(new Reply(200, "{\"results\":[{},{\"last_insert_id\":1,\"rows_affected\":1}]}"));
        assertThat(inside(node, "POST", "/db/query", "[\"SELECT id, name FROM person\"]")).isEqualTo(new Reply(200,
                "{\"results\":[{\"columns\":[\"id\",\"name\"],\"types\":[\"integer\",\"text\"],\"values\":[[1,\"fiona\"]]}]}"));
        String pid = docker.inspect(node, "{{.State.Pid}}");
        String uid = Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("Uid:"))
                .findFirst().orElseThrow().split("\\s+")[1];
        assertThat(uid).as("the node's uid").isNotEqualTo("0").isEqualTo("10001");
        assertThat(Files.readString(Path.of("/proc", pid, "maps")))
                .as("the image's class-data archive is mapped into the node's JVM").contains("/opt/halite/halite.jsa");
        awaitHealthy(node);
    }

    @Test
    void aNewContainerOnTheSameVolumeHasTheDataAndKeepsTheNodeId() throws Exception {
        String data = docker.volume("data");
        List<String> options = List.of("--network", "none", "--memory", "512m", "--volume", data + ":/data");
        String first = docker.start("first", options, IMAGE);
        awaitReadyInside(first);
        assertThat(inside(first, "POST", "/db/execute", """
                ["CREATE TABLE kept (v TEXT)", "INSERT INTO kept VALUES ('across restarts')"]
                """).status()).isEqualTo(200);
        String firstId = nodeId(first);
        assertThat(firstId).isEqualTo(docker.inspect(first, "{{.Config.Hostname}}"));

        docker.docker("stop", "--time", "30", first);
        assertThat(docker.inspect(first, "{{.State.ExitCode}}")).as("exit code after SIGTERM").isEqualTo("0");

        String second = docker.start("second", options, IMAGE);
        awaitReadyInside(second);
        assertThat(inside(second, "POST", "/db/query", "[\"SELECT v FROM kept\"]").body())
                .contains("\"values\":[[\"across restarts\"]]");
        assertThat(nodeId(second)).as("the id recorded in /data, not the new container's host name")
                .isEqualTo(firstId);
    }

    @Test
    void threeContainersFormAClusterFromEnvironmentVariablesAloneAndReplicateAWrite() throws Exception {
        int[] httpPorts = new int[3];
        List<String> peers = new ArrayList<>();
        List<List<String>> addresses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            httpPorts[i] = ServerProcess.freePort();
            int raftPort = ServerProcess.freePort();
            peers.add("n" + (i + 1) + "@127.0.0.1:" + raftPort);
            addresses.add(List.of("HALITE_HTTP_ADDR=127.0.0.1:" + httpPorts[i], "HALITE_RAFT_ADDR=127.0.0.1:" + raftPort));
        }
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(docker.start("n" + (i + 1), List.of("--network", "host", "--memory", "512m",
                    "--env", "HALITE_NODE_ID=n" + (i + 1), "--env", addresses.get(i).get(0),
                    "--env", addresses.get(i).get(1), "--env", "HALITE_PEERS=" + String.join(",", peers)), IMAGE));
        }
        for (int i = 0; i < 3; i++) {
            awaitReady(nodes.get(i), httpPorts[i]);
        }

        Reply write = request(httpPorts[1], "POST", "/db/execute", """
                ["CREATE TABLE person (name TEXT)", "INSERT INTO person VALUES ('fiona')"]
                """);
        assertThat(write.status()).as(write.body()).isEqualTo(200);

        for (int i = 0; i < 3; i++) {
            awaitRows(httpPorts[i], "[[\"fiona\"]]");
        }
        JsonNode members = JSON.readTree(request(httpPorts[0], "GET", "/nodes", null).body());
        assertThat(members.fieldNames()).toIterable().containsExactlyInAnyOrder("n1", "n2", "n3");
    }

    private String nodeId(String container) throws Exception {
        return JSON.readTree(inside(container, "GET", "/status", "").body()).path("node").path("id").asText();
    }

    /** A request to the node in {@code container} on its default port, sent from inside the container. */
    private Reply inside(String container, String method, String path, String body) throws Exception {
        Docker.Result result = docker.exec(container, "bash", "-c", HTTP_IN_BASH, "http", method, path,
                body.strip());
        assertThat(result.exitCode()).as("HTTP from inside %s: %s", container, result.output()).isZero();
        String response = result.output();
        int headerEnd = response.indexOf("\r\n\r\n");
        assertThat(headerEnd).as("an HTTP response: %s", response).isPositive();
        return new Reply(Integer.parseInt(response.split(" ", 3)[1]), response.substring(headerEnd + 4));
    }

    private Reply request(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.strip()));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** Waits until {@code halite health} in the container says ready; fails with the container's log otherwise. */
    private void awaitReadyInside(String container) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Docker.Result last = null;
        while (System.nanoTime() < deadline) {
            assertRunning(container);
            last = docker.exec(container, "halite", "health");
            if (last.exitCode() == 0) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(container + " was not ready within " + READY_TIMEOUT.toSeconds() + " s (last: "
                + last + "); its log:\n" + docker.logTail(container));
    }

    /** Waits until the node on {@code port} answers {@code /readyz} with 200. */
    private void awaitReady(String container, int port) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            assertRunning(container);
            try {
                Reply reply = request(port, "GET", "/readyz", null);
                if (reply.status() == 200) {
                    return;
                }
                last = reply.toString();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(container + " was not ready within " + READY_TIMEOUT.toSeconds() + " s (last: "
                + last + "); its log:\n" + docker.logTail(container));
    }

    /** Waits until the node on {@code port} holds {@code values} in its own copy of table person. */
    private void awaitRows(int port, String values) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Reply last = null;
        while (System.nanoTime() < deadline) {
            last = request(port, "POST", "/db/query?level=none", "[\"SELECT name FROM person\"]");
            if (last.status() == 200 && last.body().contains("\"values\":" + values)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the node on port " + port + " did not get the write within 30 s; last: " + last);
    }

    /**
     * Waits until Docker reports the container healthy, which takes the image's HEALTHCHECK running
     * {@code halite health} (every 10 s).
     */
    private void awaitHealthy(String container) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = docker.inspect(container, "{{.State.Health.Status}}");
            if (status.equals("healthy")) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(container + " is " + status + ", not healthy, after 45 s; health checks: "
                + docker.inspect(container, "{{json .State.Health}}"));
    }

    private void assertRunning(String container) throws Exception {
        if (!docker.inspect(container, "{{.State.Running}}").equals("true")) {
            throw new AssertionError(container + " stopped with code " + docker.inspect(container, "{{.State.ExitCode}}")
                    + "; its log:\n" + docker.logTail(container));
        }
    }

    private static String tail(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }
}
