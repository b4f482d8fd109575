package io.halite.core.node;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a node's Raft talks to the other members over TLS. The managers are asked at every handshake, so material they
 * reload from files takes effect on the next connection, without a restart.
 *
 * @param raftKeys  the certificate this node presents to the other members' Raft (gRPC) servers and to their
 *                  clients; null with {@code raftTrust} for plain-text Raft
 * @param raftTrust which members' certificates this node accepts, both ways: every Raft connection is mutual TLS
 */
public record NodeTls(X509ExtendedKeyManager raftKeys, X509ExtendedTrustManager raftTrust) {
    /** Plain-text Raft. */
    public static final NodeTls NONE = new NodeTls(null, null);

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
