package io.halite.server.tls;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The TLS of Halite's own command-line clients ({@code halite bench}, {@code halite remove}): the CAs that sign
 * the nodes' certificates (the JDK's without {@code --ca-cert}), and a client certificate for nodes that verify
 * clients. The server's name is checked unless turned off, and always against the JDK's CAs.
 */
public final class ClientTls {
    private final javax.net.ssl.SSLContext context;
    private final boolean verifyServerName;
    private final Path caCert;
    private final Path cert;
    private final Path key;

    private ClientTls(javax.net.ssl.SSLContext context, boolean verifyServerName, Path caCert, Path cert, Path key) {
        this.context = context;
        this.verifyServerName = verifyServerName;
        this.caCert = caCert;
        this.cert = cert;
        this.key = key;
    }

    /**
     * Reads and checks the files.
     *
     * @param caCert PEM CA certificates, or null for the JDK's
     * @param cert   a PEM client certificate, or null for none (then {@code key} is null too)
     */
    public static ClientTls load(Path caCert, Path cert, Path key, boolean verifyServerName) throws TlsFileException {
        ReloadingTrustManager trust = new ReloadingTrustManager(caCert == null ? "the JDK's CAs" : "--ca-cert "
                + caCert, caCert == null ? List.of() : List.of(caCert), verifyServerName, false);
        ReloadingKeyManager keys = cert == null ? null : new ReloadingKeyManager("--cert", cert, key);
        return new ClientTls(ServeTls.context(keys, trust), verifyServerName || caCert == null, caCert, cert, key);
    }

    /** The JDK's HTTP client over this TLS. */
    public HttpClient.Builder httpClient() {
        return HttpClient.newBuilder().sslContext(context);
    }

    /** The context: the CAs to trust and the client certificate, if any. */
    public javax.net.ssl.SSLContext context() {
        return context;
    }

    /** Whether the node's certificate must name the host it is reached by. */
    public boolean verifiesServerName() {
        return verifyServerName;
    }

    /**
     * The JDBC URL options for the same TLS. The driver reads keys in PKCS#8 only ({@code BEGIN PRIVATE KEY}).
     */
    public String jdbcOptions() {
        StringBuilder options = new StringBuilder("ssl=true&sslmode=").append(verifyServerName ? "verify-full" : "verify-ca");
        if (caCert != null) {
            options.append("&sslrootcert=").append(encode(caCert));
        }
        if (cert != null) {
            options.append("&sslcert=").append(encode(cert)).append("&sslkey=").append(encode(key));
        }
        return options.toString();
    }

    private static String encode(Path file) {
        return URLEncoder.encode(file.toAbsolutePath().toString(), StandardCharsets.UTF_8);
    }
}
