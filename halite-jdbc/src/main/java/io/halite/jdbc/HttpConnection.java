package io.halite.jdbc;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One keep-alive HTTP/1.1 connection to one Halite node: it writes a request and blocks reading the answer, on
 * the caller's thread. A JDBC connection owns one per node it talks to, as a PostgreSQL connection owns its
 * socket (and {@code halite bench} uses one per client). General-purpose clients (the JDK's HttpClient) hand every request between a selector thread and an
 * executor; measured here, that added about 0.3 ms to every round trip (0.38 ms against 0.08 ms for a query),
 * more than the server spends on it.
 */
public final class HttpConnection implements Closeable {
    /** Jetty closes idle connections after 120 s; a connection idle this long is replaced before use. */
    private static final long STALE_NANOS = 60_000_000_000L;

    private final String host;
    private final int port;
    private final int connectTimeoutMillis;
    /** Sent with every request ({@code Authorization: ...} and CRLF), or empty. */
    private final String authorizationLine;
    private final Tls tls;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private long lastUsed;

    /**
     * Status, the {@code Location} header (for redirects), the cluster identity the node reported (null if none)
     * and body of one response.
     */
    public record Response(int status, String location, String clusterIdentity, byte[] body) {}

    private static final String CLUSTER_IDENTITY_HEADER = "X-Halite-Cluster-Identity";

    /**
     * HTTPS: sockets from {@code sockets} (its CAs, and a client certificate if the node asks for one), and whether
     * the node's certificate must name the host it is reached at, as well as be signed by a trusted CA.
     */
    public record Tls(SSLSocketFactory sockets, boolean verifyHostname) {}

    /** Thrown when the request could not be sent at all: the node did not receive it. */
    public static class NotSent extends IOException {
        NotSent(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The TLS handshake failed: a certificate was refused (by either side), which trying again will not change. */
    public static final class TlsRefused extends NotSent {
        TlsRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Plain HTTP without credentials. */
    public HttpConnection(String host, int port, int connectTimeoutMillis) {
        this(host, port, connectTimeoutMillis, null, null);
    }

    /**
     * @param authorization the Authorization header sent with every request (Basic credentials), or null
     * @param tls           for HTTPS, or null for plain HTTP
     */
    public HttpConnection(String host, int port, int connectTimeoutMillis, String authorization, Tls tls) {
        this.host = host;
        this.port = port;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.authorizationLine = authorization == null ? "" : "Authorization: " + authorization + "\r\n";
        this.tls = tls;
    }

    public String hostAndPort() {
        return host + ":" + port;
    }

    /**
     * Sends one request and reads the answer within {@code timeoutMillis}.
     *
     * @throws NotSent if no connection could be made (nothing reached the node)
     * @throws IOException if the connection failed after the request was sent (its outcome is unknown)
     */
    public Response send(String method, String pathAndQuery, byte[] body, int timeoutMillis) throws IOException {
        if (socket != null && System.nanoTime() - lastUsed > STALE_NANOS) {
            close();
        }
        if (socket == null) {
            open();
        }
        byte[] head = (method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port
                + (body == null ? "" : "\r\nContent-Type: application/json\r\nContent-Length: " + body.length)
                + "\r\n" + authorizationLine + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int bodyLength = body == null ? 0 : body.length;
        // One write, so that a request is one segment and one read for the server.
        byte[] request = new byte[head.length + bodyLength];
        System.arraycopy(head, 0, request, 0, head.length);
        if (body != null) {
            System.arraycopy(body, 0, request, head.length, bodyLength);
        }
        try {
            socket.setSoTimeout(Math.max(1, timeoutMillis));
            out.write(request);
            out.flush();
            Response response = read();
            lastUsed = System.nanoTime();
            return response;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void open() throws NotSent {
        Socket s = tls == null ? new Socket() : new BufferedSocket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            if (tls != null) {
                s = handshake(s);
            }
            this.out = s.getOutputStream();
            this.in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            this.socket = s;
            this.lastUsed = System.nanoTime();
        } catch (TlsRefused e) {
            throw e;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // the connection never opened
            }
            throw new NotSent("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * A TCP socket whose input is buffered, for TLS to be layered on: the JDK's TLS client reads every record's
     * five-byte header and then its body, two system calls per record unless they come from a buffer.
     */
    private static final class BufferedSocket extends Socket {
        private InputStream input;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new BufferedInputStream(super.getInputStream(), 32 * 1024);
            }
            return input;
        }
    }

    private SSLSocket handshake(Socket plain) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.sockets().createSocket(plain, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (tls.verifyHostname()) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout(connectTimeoutMillis);
        try {
            ssl.startHandshake();
        } catch (SSLException e) {
            ssl.close();
            throw new TlsRefused("the TLS handshake with " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
        return ssl;
    }

    private Response read() throws IOException {
        String statusLine = line();
        if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("unexpected status line from " + hostAndPort() + ": " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closes = false;
        String location = null;
        String clusterIdentity = null;
        for (String header; !(header = line()).isEmpty(); ) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("Location")) {
                location = value;
            } else if (name.equalsIgnoreCase(CLUSTER_IDENTITY_HEADER)) {
                clusterIdentity = value;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                closes = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 ? (int) length : 256);
        if (chunked) {
            for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                body.write(in.readNBytes((int) size));
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            byte[] bytes = in.readNBytes((int) length);
            if (bytes.length < length) {
                throw new IOException("connection to " + hostAndPort() + " closed in the middle of a response");
            }
            body.write(bytes);
        } else {
            throw new IOException("response without Content-Length or chunked encoding from " + hostAndPort());
        }
        if (closes) {
            close();
        }
        return new Response(status, location, clusterIdentity, body.toByteArray());
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection to " + hostAndPort() + " closed by the node");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do about a socket that fails to close
            }
            socket = null;
        }
    }
}
