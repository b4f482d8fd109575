package io.halite.server.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The embedded Jetty server that carries the API. Errors Jetty itself raises are answered in JSON too. */
public final class HttpServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    public HttpServer(String host, int port, Handler handler) {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("halite-http");
        this.server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(120_000);
        server.addConnector(connector);
        server.setHandler(handler);
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(5_000);
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
