package io.halite.core.node;

import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a node talks to the other members over TLS. The managers are asked at every handshake, so material they
 * reload from files takes effect on the next connection, without a restart.
 *
 * @param raftKeys  the certificate this node presents to the other members' Raft (gRPC) servers and to their
 *                  clients; null with {@code raftTrust} for plain-text Raft
 * @param raftTrust which members' certificates this node accepts, both ways: every Raft connection is mutual TLS
 * @param apiClient for this node's own calls to other members' HTTP API (a catch-up copy of the database); null
 *                  for the JDK's defaults (plain {@code http://}, or public CAs)
 */
public record NodeTls(X509ExtendedKeyManager raftKeys, X509ExtendedTrustManager raftTrust, SSLContext apiClient) {
    /** Plain-text Raft, and the JDK's defaults for HTTPS. */
    public static final NodeTls NONE = new NodeTls(null, null, null);

    public NodeTls {
        if ((raftKeys == null) != (raftTrust == null)) {
            throw new IllegalArgumentException("Raft over TLS needs both a certificate and the CAs to trust");
        }
    }

    /** Whether Raft runs over mutual TLS. */
    public boolean raftOverTls() {
        return raftKeys != null;
    }
}
