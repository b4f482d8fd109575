package io.halite.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.core.node.HaliteNode;
import io.halite.server.auth.PeerCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code halite serve --join}: asks a member of a running cluster, through its HTTP API, to add this node. First it
 * learns the members from {@code GET /nodes} (so that it can reach the leader while it catches up), then it sends
 * {@code POST /join}, which returns once the leader has brought this node up to date and committed the change.
 * Members that cannot be reached yet are tried again until {@link #GIVE_UP_AFTER}.
 */
final class Joiner {
    private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
    static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);
    private static final Duration RETRY_EVERY = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final List<URI> seeds;
    private final PeerCredentials credentials;

    /**
     * @param seeds       API URLs of members of the cluster to join
     * @param credentials presented to them if the cluster runs with authentication
     * @param tls         for https:// members: this node's certificate and the CAs it trusts; null for the JDK's
     *                    defaults
     */
    Joiner(List<URI> seeds, PeerCredentials credentials, javax.net.ssl.SSLContext tls) {
        this.seeds = List.copyOf(seeds);
        this.credentials = credentials;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        this.http = (tls == null ? http : http.sslContext(tls)).build();
    }

    /** A refusal that asking again will not change (a bad request, or a conflicting member). */
    static final class JoinRefused extends Exception {
        JoinRefused(String message) {
            super(message);
        }
    }

    /**
     * The cluster's members as the first seed that answers lists them, asking each seed once; empty if none
     * answers (the whole cluster may be starting).
     */
    Optional<List<HaliteNode.KnownMember>> members() throws InterruptedException {
        for (URI seed : seeds) {
            try {
                return Optional.of(members(seed));
            } catch (IOException e) {
                LOG.info("{} does not answer yet: {}", seed, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Joins through the first member that answers, trying again until {@link #GIVE_UP_AFTER}.
     *
     * @return whether this node was added (false: it was a member already)
     */
    boolean join(HaliteNode node, boolean voter) throws JoinRefused, InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            for (URI seed : seeds) {
                try {
                    node.learnMembers(members(seed));
                    return ask(node, seed, voter);
                } catch (Refused e) {
                    if (e.status == 401 || e.status == 403) {
                        // Asking again with the same credentials would only add to the failures the member counts.
                        throw new JoinRefused(seed + " refused this node's credentials (--node-user): "
                                + e.getMessage());
                    }
                    LOG.warn("cannot join through {} yet: {}", seed, e.getMessage());
                } catch (javax.net.ssl.SSLException e) {
                    // A certificate refused, by either side: asking again will not change it.
                    throw new JoinRefused("the TLS handshake with " + seed + " failed: " + e.getMessage());
                } catch (IOException e) {
                    LOG.warn("cannot join through {} yet: {}", seed, e.getMessage());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new JoinRefused("no member of " + seeds + " added this node within "
                        + GIVE_UP_AFTER.toSeconds() + " s");
            }
            Thread.sleep(RETRY_EVERY.toMillis());
        }
    }

    private List<HaliteNode.KnownMember> members(URI seed) throws IOException, InterruptedException {
        JsonNode nodes = JSON.readTree(send(HttpRequest.newBuilder(seed.resolve("/nodes?ver=2&nonvoters"))
                .timeout(Duration.ofSeconds(10)).GET().build()));
        List<HaliteNode.KnownMember> known = new ArrayList<>();
        for (JsonNode n : nodes.path("nodes")) {
            known.add(new HaliteNode.KnownMember(n.path("id").asText(), n.path("addr").asText(),
                    n.path("api_addr").asText()));
        }
        return known;
    }

    private boolean ask(HaliteNode node, URI member, boolean voter)
            throws IOException, InterruptedException, JoinRefused {
        String body = JSON.writeValueAsString(Map.of(
                "id", node.config().nodeId(), "addr", node.config().raftAddress(), "voter", voter));
        LOG.info("asking {} to add this node ({}) as a {}", member, node.config().nodeId(),
                voter ? "voting member" : "non-voting member");
        HttpRequest request = HttpRequest.newBuilder(member.resolve("/join"))
                .timeout(GIVE_UP_AFTER)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            String answer = send(request);
            LOG.info("joined the cluster through {}: {}", member, answer.strip());
            return JSON.readTree(answer).path("added").asBoolean();
        } catch (Refused e) {
            if (e.status >= 400 && e.status < 500) {
                throw new JoinRefused(member + " refused to add this node: " + e.getMessage());
            }
            throw e;
        }
    }

    /** An HTTP answer other than 200. */
    private static final class Refused extends IOException {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private String send(HttpRequest request) throws IOException, InterruptedException {
        if (credentials.authorization().isPresent()) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .header("Authorization", credentials.authorization().get()).build();
        }
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            String error = response.body();
            try {
                error = JSON.readTree(error).path("error").asText(error);
            } catch (IOException e) {
                // not JSON: keep the raw body
            }
            throw new Refused(response.statusCode(), request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": " + error);
        }
        return response.body();
    }
}
