package io.halite.server.cli;

import io.halite.server.tls.ServeTls;
import io.halite.server.tls.TlsFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code halite serve}'s TLS options: HTTPS for the API, and mutual TLS between members. */
public final class TlsOptions {
    @Option(names = "--http-cert", paramLabel = "FILE",
            description = "Serve the API over HTTPS with this PEM certificate (chain, leaf first). Reloaded when the file changes.")
    Path httpCert;

    @Option(names = "--http-key", paramLabel = "FILE",
            description = "The PEM private key of --http-cert (PKCS#8, PKCS#1 RSA or EC; unencrypted).")
    Path httpKey;

    @Option(names = "--http-ca-cert", paramLabel = "FILE",
            description = "PEM CA certificates that sign client certificates (see --http-verify-client); this node also trusts them on other members' API.")
    Path httpCaCert;

    @Option(names = "--http-verify-client",
            description = "Require every API client to present a certificate signed by --http-ca-cert (members present their --node-cert).")
    boolean httpVerifyClient;

    @Option(names = "--node-cert", paramLabel = "FILE",
            description = "Mutual TLS between members: this node's PEM certificate, presented on Raft and on its calls to other members' API. Needs --node-key, --node-ca-cert and HTTPS (--http-cert). Reloaded when the file changes.")
    Path nodeCert;

    @Option(names = "--node-key", paramLabel = "FILE", description = "The PEM private key of --node-cert.")
    Path nodeKey;

    @Option(names = "--node-ca-cert", paramLabel = "FILE",
            description = "PEM CA certificates that sign members' certificates: a member whose certificate they did not sign is refused, both ways.")
    Path nodeCaCert;

    @Option(names = "--node-verify-server-name",
            description = "Also check that a member's certificate names the address it is reached at (off: pod addresses rarely match; the CA identifies members).")
    boolean nodeVerifyServerName;

    /** Whether the API is served over HTTPS. */
    boolean https() {
        return httpCert != null;
    }

    /** Whether members talk to each other over mutual TLS. */
    boolean nodeTls() {
        return nodeCert != null;
    }

    /** Why these options do not go together, or null. */
    String conflict() {
        if ((httpCert == null) != (httpKey == null)) {
            return httpCert == null ? "--http-key needs --http-cert" : "--http-cert needs --http-key (its private key)";
        }
        if (httpCert == null && (httpCaCert != null || httpVerifyClient)) {
            return "--http-ca-cert and --http-verify-client need HTTPS: give --http-cert and --http-key";
        }
        if (httpVerifyClient && httpCaCert == null) {
            return "--http-verify-client needs --http-ca-cert: the CA that signs client certificates";
        }
        boolean anyNode = nodeCert != null || nodeKey != null || nodeCaCert != null;
        if (anyNode && (nodeCert == null || nodeKey == null || nodeCaCert == null)) {
            return "mutual TLS between members needs all of --node-cert, --node-key and --node-ca-cert";
        }
        if (nodeVerifyServerName && !anyNode) {
            return "--node-verify-server-name needs --node-cert, --node-key and --node-ca-cert";
        }
        if (anyNode && httpCert == null) {
            return "--node-cert needs HTTPS (--http-cert and --http-key): members call each other's API (joins, "
                    + "catch-up copies) over mutual TLS too; the node certificate may serve as the API's";
        }
        return null;
    }

    /** Reads and checks the files; the caller checked {@link #conflict()} first. */
    ServeTls load() throws TlsFileException {
        return ServeTls.load(new ServeTls.Files(httpCert, httpKey, httpCaCert, httpVerifyClient, nodeCert, nodeKey,
                nodeCaCert, nodeVerifyServerName));
    }
}
