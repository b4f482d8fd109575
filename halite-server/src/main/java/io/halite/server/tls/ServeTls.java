package io.halite.server.tls;

import io.halite.core.node.NodeTls;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Everything TLS of one {@code halite serve}: the API's HTTPS, mutual TLS between members (Raft, and the members'
 * calls to each other's API), and the reloading of their files. The files are read and checked when this is
 * built; options that do not go together are the command line's to refuse.
 */
public final class ServeTls implements AutoCloseable {
    /**
     * The files and choices, as given; null for a file not given.
     *
     * @param httpCert             the API's certificate (chain), PEM; null for plain HTTP
     * @param httpKey              its private key, PEM
     * @param httpCaCert           CAs that sign client certificates, and that this node trusts on other members' API
     * @param httpVerifyClient     require a client certificate signed by {@code httpCaCert} (or a member's)
     * @param nodeCert             this member's certificate for mutual TLS with the others; null for none
     * @param nodeKey              its private key
     * @param nodeCaCert           the CAs that sign members' certificates
     * @param nodeVerifyServerName also check that a member's certificate names the address it was reached at
     */
    public record Files(Path httpCert, Path httpKey, Path httpCaCert, boolean httpVerifyClient, Path nodeCert,
                        Path nodeKey, Path nodeCaCert, boolean nodeVerifyServerName) {
        boolean https() {
            return httpCert != null;
        }

        boolean nodeTls() {
            return nodeCert != null;
        }
    }

    private final HttpsSettings https;
    private final NodeTls node;
    private final SSLContext memberApiClient;
    private final CertificateReloader reloader;

    private ServeTls(HttpsSettings https, NodeTls node, SSLContext memberApiClient, CertificateReloader reloader) {
        this.https = https;
        this.node = node;
        this.memberApiClient = memberApiClient;
        this.reloader = reloader;
    }

    /** Reads and checks every file given. */
    public static ServeTls load(Files files) throws TlsFileException {
        CertificateReloader reloader = new CertificateReloader();
        ReloadingKeyManager nodeKeys = null;
        ReloadingTrustManager nodeTrust = null;
        if (files.nodeTls()) {
            nodeKeys = new ReloadingKeyManager("the node certificate (--node-cert, --node-key)", files.nodeCert(),
                    files.nodeKey());
            nodeTrust = new ReloadingTrustManager("the node CA (--node-ca-cert)", List.of(files.nodeCaCert()),
                    files.nodeVerifyServerName(), true);
            reloader.watch(nodeKeys);
            reloader.watch(nodeTrust);
        }
        HttpsSettings https = null;
        SSLContext apiClient = null;
        if (files.https()) {
            ReloadingKeyManager httpKeys = new ReloadingKeyManager("the HTTPS certificate (--http-cert, --http-key)",
                    files.httpCert(), files.httpKey());
            reloader.watch(httpKeys);
            List<Path> trusted = new ArrayList<>();
            if (files.httpCaCert() != null) {
                trusted.add(files.httpCaCert());
            }
            if (files.nodeTls()) {
                trusted.add(files.nodeCaCert());
            }
            // Jetty logs its handshake failures itself (HttpServer), so this trust manager does not.
            ReloadingTrustManager clients = trusted.isEmpty() ? null
                    : new ReloadingTrustManager(describe(files), trusted, false, false);
            if (clients != null) {
                reloader.watch(clients);
            }
            https = new HttpsSettings(context(httpKeys, clients), files.httpVerifyClient()
                    ? HttpsSettings.ClientCertificates.REQUIRED : files.nodeTls()
                    ? HttpsSettings.ClientCertificates.CHECKED_IF_SENT : HttpsSettings.ClientCertificates.NONE);
            // Calls to other members' API present this member's certificate (the API's without one), and accept
            // their API certificates as signed by the CAs given, else by the JDK's.
            ReloadingTrustManager servers = new ReloadingTrustManager(describe(files), trusted,
                    files.nodeVerifyServerName(), false);
            reloader.watch(servers);
            apiClient = context(nodeKeys != null ? nodeKeys : httpKeys, servers);
        }
        return new ServeTls(https, new NodeTls(nodeKeys, nodeTrust), apiClient, reloader);
    }

    private static String describe(Files files) {
        return files.httpCaCert() == null ? "the node CA (--node-ca-cert)" : files.nodeTls()
                ? "the CAs of --http-ca-cert and --node-ca-cert" : "the HTTP CA (--http-ca-cert)";
    }

    /** A TLS context presenting {@code keys} (null: none) and accepting what {@code trust} accepts (null: JDK's). */
    static SSLContext context(X509ExtendedKeyManager keys, TrustManager trust) throws TlsFileException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : new KeyManager[] {keys}, trust == null ? null : new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("cannot set up TLS: " + e.getMessage());
        }
    }

    /** The API's HTTPS, or null for plain HTTP. */
    public HttpsSettings https() {
        return https;
    }

    /** For the node: mutual TLS with the other members. */
    public NodeTls node() {
        return node;
    }

    /**
     * For this node's calls to other members' HTTP API (join, discovery, catch-up copies); null for the JDK's
     * defaults (plain {@code http://}, or public CAs).
     */
    public SSLContext memberApiClient() {
        return memberApiClient;
    }

    /** Starts looking for replaced files. */
    public void startReloading() {
        reloader.start();
    }

    @Override
    public void close() {
        reloader.close();
    }
}
