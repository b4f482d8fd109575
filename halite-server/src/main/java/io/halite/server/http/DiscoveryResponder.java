package io.halite.server.http;

import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What a node started with {@code --bootstrap-expect} serves on its API address while it looks for the others and
 * while its node starts, until the API takes over the listener: {@code GET /discovery} tells them who it is and
 * which members it proposes; {@code /livez} says it is alive (so that a liveness probe leaves it alone while it
 * waits); everything else, {@code /readyz} included, answers 503 saying what it waits for.
 */
public final class DiscoveryResponder extends Handler.Abstract {
    /**
     * This node as others discover it.
     *
     * @param proposal the members it proposes to start with ({@code id@host:port}, sorted by id), empty until it
     *                 sees enough nodes
     * @param waiting  what it waits for, in words
     */
    public record State(String id, String raftAddress, String apiAddress, int expect, List<String> proposal,
                        String waiting) {}

    private final Supplier<State> state;

    public DiscoveryResponder(Supplier<State> state) {
        this.state = state;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        State now = state.get();
        String path = request.getHttpURI().getPath();
        boolean get = "GET".equals(request.getMethod());
        if (get && "/discovery".equals(path)) {
            HttpApi.sendJson(response, callback, 200, ResultsJson.write(false, g -> {
                g.writeStartObject();
                g.writeStringField("id", now.id());
                g.writeStringField("addr", now.raftAddress());
                g.writeStringField("api_addr", now.apiAddress());
                g.writeNumberField("expect", now.expect());
                g.writeArrayFieldStart("proposal");
                for (String member : now.proposal()) {
                    g.writeString(member);
                }
                g.writeEndArray();
                g.writeEndObject();
            }));
        } else if (get && "/livez".equals(path)) {
            HttpApi.sendText(response, callback, 200, "[+]node ok");
        } else if (get && "/readyz".equals(path)) {
            HttpApi.sendText(response, callback, 503, "[-]node discovering: " + now.waiting());
        } else {
            HttpApi.sendJson(response, callback, 503, ResultsJson.error("this node is still forming its cluster "
                    + "(--bootstrap-expect): " + now.waiting()));
        }
        return true;
    }
}
