package io.halite.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halite.server.auth.PeerCredentials;
import io.halite.server.http.DiscoveryResponder;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code halite serve --bootstrap-expect N --join-dns NAME}: finds the other nodes at the addresses NAME resolves
 * to (a Kubernetes headless service's A/AAAA records) and decides how this node, which has never been a member,
 * enters its cluster. Every second it resolves the name again and asks each address's API who answers there:
 * <ul>
 *   <li>A member of a running cluster ({@code GET /nodes} answers): this node joins it, or, if its configuration
 *       lists this node already (a member that started a moment earlier from the same agreement), starts as that
 *       member.</li>
 *   <li>Nodes still discovering ({@code GET /discovery}, served by {@link DiscoveryResponder}): once this node has
 *       seen N of them (itself included), and every address answered (or {@link #SETTLE} passed), it proposes the
 *       N with the lowest ids, and never changes its proposal.
 *       It starts the group with exactly those members once every one of them proposes the same. Since each node
 *       proposes one set, two groups could only form from disjoint sets, which needs 2N nodes started at once.</li>
 * </ul>
 * A node that answered once is remembered, with its proposal, when it stops answering (a pod restarting); a
 * proposal never changes, so what was seen of it stays true.
 */
final class Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    private static final Duration ROUND_EVERY = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Once enough nodes answer, how long a node waits for the name's other addresses to answer too before it
     * proposes without them: nodes that saw the same addresses answer propose the same members.
     */
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How this node enters its cluster. */
    sealed interface Outcome permits Bootstrap, Join {}

    /** Start the group with these voting members, in {@code --peers} form (this node among them). */
    record Bootstrap(String peers) implements Outcome {}

    /** Ask a running cluster to add this node, through these members' APIs. */
    record Join(List<URI> members) implements Outcome {}

    /** No outcome within the timeout, or a conflict that waiting will not resolve; the message says which. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    /** What answered at one address. */
    private sealed interface Answer permits Discovering, Member, Silent {}

    /** A node still discovering, as its {@code /discovery} describes it. */
    private record Discovering(String id, String raftAddress, int expect, List<String> proposal) implements Answer {}

    /** A member of a running cluster: its configuration's voting members, id to Raft address. */
    private record Member(Map<String, String> voters) implements Answer {}

    /** Nothing usable answered, and why. */
    private record Silent(String why) implements Answer {}

    private final String name;
    private final int port;
    private final int expect;
    private final Duration timeout;
    private final String id;
    private final String raftAddress;
    private final String apiAddress;
    private final HttpClient http;
    private final String scheme;
    private final PeerCredentials credentials;
    /** Every node that answered {@code /discovery}, this one included, by id (sorted). */
    private final Map<String, Discovering> seen = new TreeMap<>();
    private volatile List<String> proposal = List.of();
    /** When this node first saw enough nodes to propose (System.nanoTime()), or -1. */
    private long enoughSinceNanos = -1;
    private volatile String waiting;

    /**
     * @param name    the DNS name whose addresses are the nodes ({@code --join-dns})
     * @param port    the API port at each address
     * @param expect  how many nodes start the cluster ({@code --bootstrap-expect})
     * @param timeout how long to look before giving up ({@code --bootstrap-timeout})
     * @param apiAddress  this node's API URL; the others are asked with its scheme (http or https)
     * @param credentials presented to a running cluster's members, which may require authentication
     * @param tls         for https: this node's certificate and the CAs it trusts; null for the JDK's defaults
     */
    Discovery(String name, int port, int expect, Duration timeout, String id, String raftAddress,
              String apiAddress, PeerCredentials credentials, javax.net.ssl.SSLContext tls) {
        this.credentials = credentials;
        this.scheme = URI.create(apiAddress).getScheme();
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT);
        this.http = (tls == null ? http : http.sslContext(tls)).build();
        this.name = name;
        this.port = port;
        this.expect = expect;
        this.timeout = timeout;
        this.id = id;
        this.raftAddress = raftAddress;
        this.apiAddress = apiAddress;
        this.waiting = "resolving " + name;
    }

    /** What {@link DiscoveryResponder} tells the others now. */
    DiscoveryResponder.State state() {
        return new DiscoveryResponder.State(id, raftAddress, apiAddress, expect, proposal, waiting);
    }

    /** Looks until this node knows how to enter its cluster. */
    Outcome run() throws Failed, InterruptedException {
        LOG.info("looking for the {} nodes to start a cluster with at the addresses of {} (port {}), for up to {} s",
                expect, name, port, timeout.toSeconds());
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastWaiting = "";
        while (true) {
            Outcome outcome = round();
            if (outcome != null) {
                return outcome;
            }
            if (!waiting.equals(lastWaiting)) {
                LOG.info("discovery: {}", waiting);
                lastWaiting = waiting;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new Failed("no cluster formed within " + timeout.toSeconds() + " s (--bootstrap-timeout): "
                        + waiting);
            }
            Thread.sleep(ROUND_EVERY.toMillis());
        }
    }

    private Outcome round() throws Failed {
        seen.put(id, new Discovering(id, raftAddress, expect, proposal));
        List<URI> addresses;
        try {
            addresses = resolve();
        } catch (UnknownHostException e) {
            waiting = "the name " + name + " (--join-dns) does not resolve: " + e.getMessage();
            return null;
        }
        List<URI> members = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (var entry : probeAll(addresses).entrySet()) {
            Answer answer = entry.getValue();
            if (answer instanceof Member member) {
                String listed = member.voters().get(id);
                if (listed != null) {
                    return startAsListed(entry.getKey(), member, listed);
                }
                members.add(entry.getKey());
            } else if (answer instanceof Discovering node) {
                check(entry.getKey(), node);
                seen.put(node.id(), node);
            } else if (answer instanceof Silent nothing) {
                silent.add(entry.getKey().getAuthority() + " (" + nothing.why() + ")");
            }
        }
        if (!members.isEmpty()) {
            LOG.info("found a running cluster at {}: joining it", members);
            waiting = "joining the cluster at " + members.stream().map(URI::getAuthority).toList();
            return new Join(members);
        }
        if (seen.size() >= expect && enoughSinceNanos < 0) {
            enoughSinceNanos = System.nanoTime();
        }
        if (proposal.isEmpty() && seen.size() >= expect
                && (silent.isEmpty() || System.nanoTime() - enoughSinceNanos >= SETTLE.toNanos())) {
            proposal = seen.values().stream().limit(expect).map(n -> n.id() + "@" + n.raftAddress()).toList();
            seen.put(id, new Discovering(id, raftAddress, expect, proposal));
            LOG.info("found {} nodes: proposing to start the cluster with {}", seen.size(), proposal);
        }
        String unanswered = silent.isEmpty() ? "" : "; no answer from " + silent;
        if (proposal.isEmpty()) {
            String found = seen.size() < expect ? seen.size() + " of the " + expect : Integer.toString(seen.size());
            waiting = "found " + found + " nodes to start with (" + String.join(", ", seen.keySet())
                    + ") at the addresses of " + name + " " + addresses.stream().map(URI::getAuthority).toList()
                    + unanswered + (seen.size() < expect ? "" : ", waited for before proposing");
            return null;
        }
        if (proposal.stream().noneMatch(member -> member.startsWith(id + "@"))) {
            waiting = "the cluster is to start with " + proposal + ", without this node: waiting for it to run, "
                    + "then joining it" + unanswered;
            return null;
        }
        List<String> notAgreeing = proposal.stream()
                .map(member -> seen.get(member.substring(0, member.indexOf('@'))))
                .filter(node -> !node.proposal().equals(proposal))
                .map(node -> node.id() + (node.proposal().isEmpty() ? " (has not proposed yet)"
                        : " (proposes " + node.proposal() + ")"))
                .toList();
        if (notAgreeing.isEmpty()) {
            LOG.info("every proposed member agrees: starting the cluster with {}", proposal);
            waiting = "starting the cluster with " + proposal;
            return new Bootstrap(String.join(",", proposal));
        }
        waiting = "proposing " + proposal + "; waiting for " + String.join(", ", notAgreeing) + " to agree"
                + unanswered;
        return null;
    }

    /**
     * For a node that has been a member: the running cluster's members found at the name's addresses now, if one
     * answers and its configuration no longer lists this node (it was removed while away); else empty. Asks once,
     * without waiting: the whole cluster may be restarting.
     */
    List<URI> clusterWithoutThisNode() {
        List<URI> members = new ArrayList<>();
        try {
            for (var entry : probeAll(resolve()).entrySet()) {
                if (entry.getValue() instanceof Member member) {
                    if (member.voters().containsKey(id)) {
                        return List.of();
                    }
                    members.add(entry.getKey());
                }
            }
        } catch (UnknownHostException e) {
            return List.of();
        }
        return members;
    }

    /** Asks every address at once; what answered at each. */
    private Map<URI, Answer> probeAll(List<URI> addresses) {
        Map<URI, CompletableFuture<Answer>> asked = new LinkedHashMap<>();
        addresses.forEach(address -> asked.put(address, probe(address)));
        Map<URI, Answer> answers = new LinkedHashMap<>();
        asked.forEach((address, answer) -> answers.put(address, answer.join()));
        return answers;
    }

    /** A running cluster already counts this node: it starts as that member (see the class comment). */
    private Outcome startAsListed(URI at, Member member, String listedRaftAddress) throws Failed {
        if (!listedRaftAddress.equals(raftAddress)) {
            throw new Failed("the cluster at " + at.getAuthority() + " lists this node's id " + id + " at "
                    + listedRaftAddress + ", but this node's Raft address (--raft-adv-addr, else --raft-addr) is "
                    + raftAddress + ": give every node its own --node-id");
        }
        String peers = member.voters().entrySet().stream().map(e -> e.getKey() + "@" + e.getValue())
                .collect(Collectors.joining(","));
        LOG.info("the cluster at {} already lists this node: starting as its member with {}", at.getAuthority(),
                peers);
        waiting = "starting as a member of the cluster at " + at.getAuthority();
        return new Bootstrap(peers);
    }

    /** Refuses what waiting will not fix: two nodes with one id, or nodes that expect different cluster sizes. */
    private void check(URI at, Discovering node) throws Failed {
        if (node.id().equals(id) && !node.raftAddress().equals(raftAddress)) {
            throw new Failed("the node at " + at.getAuthority() + " has this node's id " + id + " (Raft address "
                    + node.raftAddress() + ", this node's is " + raftAddress + "): give every node its own --node-id");
        }
        if (node.expect() != expect) {
            throw new Failed("the node " + node.id() + " at " + at.getAuthority() + " was started with "
                    + "--bootstrap-expect " + node.expect() + ", this node with " + expect
                    + ": start every node with the same --bootstrap-expect");
        }
    }

    /** The API URL at each address the name has now. */
    private List<URI> resolve() throws UnknownHostException {
        List<URI> urls = new ArrayList<>();
        for (InetAddress address : InetAddress.getAllByName(name)) {
            String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]"
                    : address.getHostAddress();
            URI url = URI.create(scheme + "://" + host + ":" + port);
            if (!urls.contains(url)) {
                urls.add(url);
            }
        }
        return urls;
    }

    /** Asks an address who answers there: a node discovering, else a member of a running cluster. */
    private CompletableFuture<Answer> probe(URI base) {
        return get(base.resolve("/discovery")).thenCompose(discovery -> {
            if (discovery.statusCode() == 200) {
                return CompletableFuture.completedFuture(discovering(discovery.body()));
            }
            if (discovery.statusCode() != 404) {
                return CompletableFuture.completedFuture(new Silent("answered " + discovery.statusCode()));
            }
            // Members are listed at once; how far each has applied, which /nodes also asks them, is not needed.
            return get(base.resolve("/nodes?ver=2&timeout=100ms")).thenApply(nodes -> nodes.statusCode() == 200
                    ? member(nodes.body()) : new Silent("GET /nodes answered " + nodes.statusCode()));
        }).exceptionally(Discovery::silent);
    }

    private CompletableFuture<HttpResponse<String>> get(URI url) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET();
        credentials.authorization().ifPresent(header -> request.header("Authorization", header));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Answer discovering(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            List<String> proposal = new ArrayList<>();
            node.path("proposal").forEach(member -> proposal.add(member.asText()));
            return new Discovering(node.path("id").asText(), node.path("addr").asText(), node.path("expect").asInt(),
                    List.copyOf(proposal));
        } catch (IOException e) {
            return new Silent("not a Halite node: GET /discovery answered " + e.getMessage());
        }
    }

    private static Answer member(String body) {
        try {
            Map<String, String> voters = new TreeMap<>();
            for (JsonNode node : JSON.readTree(body).path("nodes")) {
                if (node.path("voter").asBoolean()) {
                    voters.put(node.path("id").asText(), node.path("addr").asText());
                }
            }
            return voters.isEmpty() ? new Silent("a node without members") : new Member(voters);
        } catch (IOException e) {
            return new Silent("not a Halite node: GET /nodes answered " + e.getMessage());
        }
    }

    private static Answer silent(Throwable failure) {
        return new Silent(Unreachable.describe(failure, PROBE_TIMEOUT));
    }
}
