package io.halite.server.http;

import io.halite.server.tls.HttpsSettings;
import io.halite.server.tls.RefusalLog;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The embedded Jetty server that carries the API, over HTTP or HTTPS. Errors Jetty itself raises are answered in
 * JSON too.
 */
public final class HttpServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    public HttpServer(String host, int port, Handler handler) {
        this(host, port, handler, null);
    }

    /** @param https how to serve TLS, or null for plain HTTP */
    public HttpServer(String host, int port, Handler handler, HttpsSettings https) {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("halite-http");
        this.server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        if (https == null) {
            this.connector = new ServerConnector(server, 1, 1, http);
        } else {
            // Clients reach nodes by address, which certificates rarely name: no SNI checks (the client checks
            // the certificate, as it chooses).
            SecureRequestCustomizer secure = new SecureRequestCustomizer(false, false, -1, false);
            config.addCustomizer(secure);
            this.connector = new ServerConnector(server, 1, 1,
                    new SslConnectionFactory(sslContextFactory(https), http.getProtocol()), http);
            connector.addBean(new SslHandshakeListener() {
                @Override
                public void handshakeFailed(Event event, Throwable failure) {
                    SSLEngine engine = event.getSSLEngine();
                    RefusalLog.handshakeFailed("from " + engine.getPeerHost(), failure.getMessage());
                }
            });
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(120_000);
        server.addConnector(connector);
        server.setHandler(new SaysWhenItCloses(handler));
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(5_000);
    }

    private static SslContextFactory.Server sslContextFactory(HttpsSettings https) {
        SslContextFactory.Server factory = new SslContextFactory.Server();
        // The context's key and trust managers reload their files themselves (see ServeTls).
        factory.setSslContext(https.context());
        factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        factory.setNeedClientAuth(https.clientCertificates() == HttpsSettings.ClientCertificates.REQUIRED);
        factory.setWantClientAuth(https.clientCertificates() != HttpsSettings.ClientCertificates.NONE);
        return factory;
    }

    public void start() throws Exception {
        server.start();
    }

    /** The port actually bound (useful when started on port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /**
     * Jetty closes a connection after answering a request whose body it could not consume, but an answer a handler
     * wrote before reading the body (a refused parameter, a 401, a 413) does not say so: pooling clients then send
     * their next request on the closed connection and fail. So the first write of every answer first consumes what
     * has arrived of the body, and says {@code Connection: close} if the rest is still to come.
     */
    private static final class SaysWhenItCloses extends Handler.Wrapper {
        SaysWhenItCloses(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            return super.handle(request, new Response.Wrapper(request, response) {
                @Override
                public void write(boolean last, ByteBuffer content, Callback written) {
                    if (!isCommitted() && !request.consumeAvailable()) {
                        getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                    }
                    super.write(last, content, written);
                }
            }, callback);
        }
    }

    private static final class JsonErrors implements Request.Handler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            int status = response.getStatus();
            String text = message instanceof String s && !s.isEmpty() ? s : "HTTP error " + status;
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
            response.write(true, ByteBuffer.wrap(ResultsJson.error(text)), callback);
            return true;
        }
    }
}
