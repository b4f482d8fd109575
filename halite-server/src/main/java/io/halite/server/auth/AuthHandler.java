package io.halite.server.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Authenticates every request before the API sees it and refuses those whose caller lacks the endpoint's
 * permission ({@link Routes}): 401 with {@code WWW-Authenticate: Basic realm="halite"} for missing or wrong
 * credentials, 403 for a missing permission, 429 with {@code Retry-After} for an address that failed too often;
 * each with a JSON body {@code {"error": "..."}}. The API finds the caller with {@link Caller#of}.
 */
public final class AuthHandler extends Handler.Wrapper {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CHALLENGE = "Basic realm=\"halite\", charset=\"UTF-8\"";

    private final Authenticator authenticator;

    public AuthHandler(Authenticator authenticator, Handler api) {
        super(api);
        this.authenticator = authenticator;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Set<Permission> needed = Routes.required(Request.getPathInContext(request), namesTransaction(request));
        if (needed.isEmpty()) {
            return super.handle(request, response, callback);
        }
        Authenticator.Outcome outcome = authenticator.authenticate(
                request.getHeaders().get(HttpHeader.AUTHORIZATION), Request.getRemoteAddr(request));
        if (outcome instanceof Authenticator.Throttled throttled) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(throttled.retryAfterSeconds()));
            refuse(response, callback, 429, "too many failed logins from this address; try again in "
                    + throttled.retryAfterSeconds() + " s");
            return true;
        }
        if (outcome instanceof Authenticator.Rejected rejected) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
            refuse(response, callback, 401, rejected.message());
            return true;
        }
        Caller caller = ((Authenticator.Accepted) outcome).caller();
        if (!caller.mayAny(needed)) {
            if (caller.user().equals("*")) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
                refuse(response, callback, 401, "authentication required: " + caller.refusal(needed));
            } else {
                refuse(response, callback, 403, caller.refusal(needed));
            }
            return true;
        }
        caller.attachTo(request);
        return super.handle(request, response, callback);
    }

    /** Whether the query string has a {@code tx} parameter (its name decoded, as the API decodes it). */
    private static boolean namesTransaction(Request request) {
        String query = request.getHttpURI().getQuery();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            try {
                if (URLDecoder.decode(name, StandardCharsets.UTF_8).equals("tx")) {
                    return true;
                }
            } catch (IllegalArgumentException e) {
                return true; // undecodable: the API refuses it; until then, assume the strictest
            }
        }
        return false;
    }

    private static void refuse(Response response, Callback callback, int status, String message) throws Exception {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(Map.of("error", message))), callback);
    }
}
