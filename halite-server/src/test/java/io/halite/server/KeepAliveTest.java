package io.halite.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.halite.server.http.ApiTestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pooling clients (Node's fetch, Python's requests, the JDK's HttpClient) send their next request on the connection
 * an answer came on, unless the answer said {@code Connection: close}. So an answer given before the request's body
 * was read must either say close or leave the connection able to carry the next request. Raw sockets, because an
 * HTTP client hides both.
 */
class KeepAliveTest {
    private static final String BAD_QUEUE = "400 {\"error\":\"invalid value 'yes' for queue: use true or false, or "
            + "give queue without a value\"}";
    private static final String BODY = "[\"SELECT 1\"]";

    private static ApiTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ApiTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anAnswerSentBeforeTheBodyArrivedSaysTheConnectionCloses() throws Exception {
        try (Socket socket = connect()) {
            write(socket, head("/db/execute?queue=yes", BODY.length()));
            RawHttp.Answer refused = RawHttp.read(socket.getInputStream());
            assertThat(refused.toString()).isEqualTo(BAD_QUEUE);
            assertThat(refused.headers()).containsEntry("connection", "close");
            assertThat(socket.getInputStream().read()).as("the server closes the connection after its answer")
                    .isEqualTo(-1);
        }
    }

    @Test
    void aConnectionWhoseRefusedBodyHadArrivedCarriesTheNextRequest() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (Socket socket = connect()) {
                write(socket, head("/db/execute?queue=yes", BODY.length()) + BODY);
                RawHttp.Answer refused = RawHttp.read(socket.getInputStream());
                assertThat(refused.toString()).isEqualTo(BAD_QUEUE);
                if ("close".equals(refused.headers().get("connection"))) {
                    assertThat(socket.getInputStream().read()).isEqualTo(-1);
                    continue;
                }
                write(socket, head("/db/execute", BODY.length()) + BODY);
                assertThat(RawHttp.read(socket.getInputStream()).toString()).as("attempt " + attempt)
                        .isEqualTo("200 {\"results\":[{\"columns\":[\"1\"],\"types\":[\"integer\"],\"values\":[[1]]}]}");
            }
        }
    }

    private static Socket connect() throws IOException {
        URI base = URI.create(server.baseUrl());
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static String head(String pathAndQuery, int contentLength) {
        return "POST " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
