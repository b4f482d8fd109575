package io.halite.server.shell;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The shell's HTTP link to the cluster: one node at a time, in the order given; when the node in use cannot be
 * connected to, the next one takes over (and stays in use). A request that reached a node is never sent again
 * elsewhere, since a write might then be applied twice. The request in flight can be cancelled (Ctrl-C).
 */
final class NodeConnection {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_REDIRECTS = 5;

    private final List<URI> nodes;
    private final String authorization;
    private final Consumer<String> notice;
    private final HttpClient http;
    private int current;
    private volatile CompletableFuture<?> inFlight;

    /**
     * @param nodes         base URLs ({@code http://host:port}), tried in this order
     * @param authorization the Authorization header for every request, or null
     * @param http          the client to build (with the TLS settings for https:// nodes)
     * @param notice        hears when another node takes over
     */
    NodeConnection(List<URI> nodes, String authorization, HttpClient.Builder http, Consumer<String> notice) {
        this.http = http.connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER) // followed here, to learn which node answered
                .build();
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node URL");
        }
        this.nodes = List.copyOf(nodes);
        this.authorization = authorization;
        this.notice = notice;
    }

    /** An answer, and the base URL of the node that gave it (after redirects). */
    record Reply<T>(int status, T body, URI node) {}

    /** The base URL of the node in use. */
    synchronized URI node() {
        return nodes.get(current);
    }

    /**
     * Sends to the node in use, or to the following ones while a node cannot be connected to. Throws
     * {@link ShellException} when none can be reached, naming each and why.
     */
    <T> Reply<T> send(HttpRequest.Builder request, String pathAndQuery, HttpResponse.BodyHandler<T> handler) {
        List<String> failures = new ArrayList<>();
        int first;
        synchronized (this) {
            first = current;
        }
        for (int attempt = 0; attempt < nodes.size(); attempt++) {
            URI node = nodes.get((first + attempt) % nodes.size());
            try {
                Reply<T> reply = sendTo(node, request, pathAndQuery, handler);
                if (attempt > 0) {
                    synchronized (this) {
                        current = nodes.indexOf(node);
                    }
                    notice.accept("using " + node + " (" + String.join("; ", failures) + ")");
                }
                return reply;
            } catch (NotConnected e) {
                failures.add(node + ": " + e.getMessage());
            }
        }
        throw new ShellException(nodes.size() == 1 ? "cannot reach " + failures.get(0)
                : "cannot reach any node (" + String.join("; ", failures) + ")");
    }

    /** Sends to one node (following its redirects), without trying others: for a transaction on its leader. */
    <T> Reply<T> sendToOnly(URI node, HttpRequest.Builder request, String pathAndQuery,
                            HttpResponse.BodyHandler<T> handler) {
        try {
            return sendTo(node, request, pathAndQuery, handler);
        } catch (NotConnected e) {
            throw new ShellException("cannot reach " + node + ": " + e.getMessage());
        }
    }

    /** Stops waiting for the request in flight, if any; the node may still carry it out. */
    void cancel() {
        CompletableFuture<?> request = inFlight;
        if (request != null) {
            request.cancel(true);
        }
    }

    private <T> Reply<T> sendTo(URI node, HttpRequest.Builder request, String pathAndQuery,
                                HttpResponse.BodyHandler<T> handler) throws NotConnected {
        URI target = node.resolve(pathAndQuery);
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder hopRequest = request.copy().uri(target);
            if (authorization != null) {
                hopRequest.header("Authorization", authorization);
            }
            HttpResponse<T> response = await(hopRequest.build(), handler, hop == 0);
            int status = response.statusCode();
            if ((status == 301 || status == 307 || status == 308) && hop < MAX_REDIRECTS) {
                // A follower sends transaction requests (and redirect=true ones) to the leader.
                String location = response.headers().firstValue("Location").orElse(null);
                if (location != null) {
                    target = target.resolve(location);
                    continue;
                }
            }
            return new Reply<>(status, response.body(), baseOf(target));
        }
    }

    private <T> HttpResponse<T> await(HttpRequest request, HttpResponse.BodyHandler<T> handler, boolean firstHop)
            throws NotConnected {
        CompletableFuture<HttpResponse<T>> future = http.sendAsync(request, handler);
        inFlight = future;
        try {
            return future.get();
        } catch (CancellationException e) {
            throw new ShellException("cancelled: " + baseOf(request.uri()) + " may still carry it out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new ShellException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String notConnected = whyNotConnected(cause);
            if (firstHop && notConnected != null) {
                throw new NotConnected(notConnected);
            }
            if (cause instanceof IOException) {
                throw new ShellException("lost the connection to " + baseOf(request.uri())
                        + " before it answered: what was sent may or may not have taken effect");
            }
            throw new ShellException("request to " + baseOf(request.uri()) + " failed: " + cause);
        } finally {
            inFlight = null;
        }
    }

    /** Why nothing was sent, if the failure happened while connecting; null otherwise. */
    private static String whyNotConnected(Throwable failure) {
        String why = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
            if (why == null && t instanceof HttpConnectTimeoutException) {
                why = "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
            } else if (why == null && t instanceof ConnectException) {
                why = "connection refused";
            }
        }
        return why;
    }

    private static URI baseOf(URI uri) {
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
    }

    /** The request was not sent: nothing could be connected to (safe to try another node). */
    private static final class NotConnected extends Exception {
        NotConnected(String why) {
            super(why, null, false, false);
        }
    }
}
