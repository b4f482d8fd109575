package io.halite.server.http;

import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With mutual TLS between members, {@code POST /join} is a call between members: it must come over a connection
 * whose client certificate the node CA signed, as every member's does. A node with another CA's certificate sends
 * none (a TLS client offers only certificates from the CAs the server names) and would otherwise reach the join,
 * whose Raft side then fails only after the staging timeout. Refused here at once, and logged.
 */
public final class MembersOnlyJoin extends Handler.Wrapper {
    private static final Logger LOG = LoggerFactory.getLogger(MembersOnlyJoin.class);

    private final X509TrustManager nodeCa;

    /** @param nodeCa accepts the certificates of members (the node CA of {@code --node-ca-cert}) */
    public MembersOnlyJoin(Handler api, X509TrustManager nodeCa) {
        super(api);
        this.nodeCa = nodeCa;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!Request.getPathInContext(request).equals("/join")) {
            return super.handle(request, response, callback);
        }
        String refusal = refusal(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE));
        if (refusal == null) {
            return super.handle(request, response, callback);
        }
        LOG.warn("refused {} /join from {}: {}", request.getMethod(), Request.getRemoteAddr(request), refusal);
        response.setStatus(403);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(ResultsJson.error("joining needs a member certificate: " + refusal)),
                callback);
        return true;
    }

    /** Why the connection does not carry a member's certificate, or null if it does. */
    private String refusal(Object session) {
        X509Certificate[] chain = session instanceof EndPoint.SslSessionData data ? data.peerCertificates() : null;
        if (chain == null || chain.length == 0) {
            return "this connection presented no certificate signed by the node CA (--node-ca-cert)";
        }
        try {
            nodeCa.checkClientTrusted(chain, "UNKNOWN");
            return null;
        } catch (CertificateException e) {
            return e.getMessage();
        }
    }
}
