package io.halite.server.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One client's keep-alive HTTP/1.1 connection for the load generator: it writes a POST and blocks reading the
 * answer, nothing else. General-purpose clients (the JDK's, Jetty's) hand every request between several threads;
 * on a 2-core machine that cost more CPU than the server under test, so the benchmark measured its own client.
 * Use a real HTTP client for anything but closed-loop load.
 */
final class LoadConnection implements Closeable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;

    /** Status and body of one response. */
    record Response(int status, String body) {}

    LoadConnection(URI base) throws IOException {
        int port = base.getPort() > 0 ? base.getPort() : 80;
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), port), 5_000);
        socket.setSoTimeout(30_000);
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.host = base.getHost() + ":" + port;
    }

    Response post(String pathAndQuery, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + pathAndQuery + " HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        // One write, so that a request is one segment and one read for the server.
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        out.write(request);
        out.flush();
        return read();
    }

    private Response read() throws IOException {
        String statusLine = line();
        if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("unexpected status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
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
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 ? (int) length : 256);
        if (chunked) {
            for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                body.write(in.readNBytes((int) size));
                line();
            }
            line();
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            throw new IOException("response without Content-Length or chunked encoding");
        }
        return new Response(status, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
