package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The deployment kit in deploy/ (Compose, Kubernetes) is read as YAML and checked against what {@code halite serve}
 * accepts: a misspelt variable or a peer list that does not match the members would only show on a real cluster.
 * Nothing here runs Kubernetes.
 */
class DeployKitTest {
    private static final Path DEPLOY = Path.of("").toAbsolutePath().getParent().resolve("deploy");
    private static final ObjectMapper YAML = new YAMLMapper();

    private static List<JsonNode> documents(String file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(DEPLOY.resolve(file).toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(documents::add);
        }
        return documents;
    }

    private static JsonNode kind(String file, String kind) throws IOException {
        return documents(file).stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    /** Warnings {@code halite serve} would log for these variables: one per variable that sets no option. */
    private static List<String> unknownVariables(Map<String, String> environment) {
        return new EnvironmentOptions(environment, BackupStorageOptions.SECRET_OPTIONS)
                .unknownVariables(new CommandLine(new ServeCommand()).getCommandSpec());
    }

    @Test
    void composeNodesListEachOtherAsPeersUnderTheirHostNamesWithRealOptions() throws IOException {
        JsonNode services = documents("docker-compose.yml").get(0).path("services");
        List<String> hostNames = new ArrayList<>();
        services.forEach(service -> hostNames.add(service.path("hostname").asText()));
        assertThat(hostNames).containsExactly("halite-1", "halite-2", "halite-3");

        for (JsonNode service : services) {
            Map<String, String> environment = YAML.convertValue(service.path("environment"), Map.class);
            assertThat(unknownVariables(environment)).isEmpty();
            String host = service.path("hostname").asText();
            // The image binds 0.0.0.0 and advertises the host name; the node id defaults to it.
            assertThat(Peers.parse(environment.get("HALITE_PEERS"), host, host + ":4002"))
                    .extracting(io.halite.core.node.NodeConfig.Peer::id).containsExactlyElementsOf(hostNames);
            assertThat(service.path("volumes").toString()).contains(":/data").contains("backup:/backup");
        }
    }

    @Test
    void theStatefulSetsPodsFindEachOtherThroughTheHeadlessServiceBeforeTheyAreReady() throws IOException {
        JsonNode headless = documents("kubernetes/services.yaml").stream()
                .filter(s -> s.path("spec").path("clusterIP").asText().equals("None")).findFirst().orElseThrow();
        assertThat(headless.path("spec").path("publishNotReadyAddresses").asBoolean()).isTrue();
        JsonNode set = kind("kubernetes/statefulset.yaml", "StatefulSet");
        String service = set.path("spec").path("serviceName").asText();
        assertThat(service).isEqualTo(headless.path("metadata").path("name").asText());
        assertThat(set.path("spec").path("podManagementPolicy").asText()).isEqualTo("Parallel");

        JsonNode pod = set.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        int replicas = set.path("spec").path("replicas").asInt();
        for (int i = 0; i < replicas; i++) {
            String name = set.path("metadata").path("name").asText() + "-" + i;
            Map<String, String> environment = new HashMap<>();
            for (JsonNode variable : container.path("env")) {
                String value = variable.has("value") ? variable.path("value").asText().replace("$(POD_NAME)", name)
                        : "from " + variable.path("valueFrom").fieldNames().next();
                environment.put(variable.path("name").asText(), value);
            }
            assertThat(unknownVariables(environment)).isEmpty();
            // The first pods to start form the cluster: as many as the StatefulSet starts with.
            assertThat(environment.get("HALITE_BOOTSTRAP_EXPECT")).isEqualTo(Integer.toString(replicas));
            assertThat(environment.get("HALITE_JOIN_DNS")).isEqualTo(service);
            assertThat(environment).doesNotContainKeys("HALITE_PEERS", "HALITE_JOIN");
            assertThat(environment.get("HALITE_RAFT_ADV_ADDR")).isEqualTo(name + "." + service + ":4002");
            assertThat(environment.get("HALITE_S3_SECRET_KEY_FILE")).startsWith(
                    container.path("volumeMounts").findValues("mountPath").stream().map(JsonNode::asText)
                            .filter(path -> path.startsWith("/etc/halite")).findFirst().orElseThrow());
        }
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/livez");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        // Longer than --shutdown-timeout's default (20 s): a leader hands over before Kubernetes kills it.
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(20);
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isEqualTo(10001);

        JsonNode budget = kind("kubernetes/poddisruptionbudget.yaml", "PodDisruptionBudget");
        assertThat(budget.path("spec").path("selector").path("matchLabels"))
                .isEqualTo(set.path("spec").path("selector").path("matchLabels"));
    }
}
