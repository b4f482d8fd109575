package io.halite.server.tls;

import javax.net.ssl.SSLContext;

/**
 * How the HTTP API serves TLS.
 *
 * @param context      presents the API's certificate, and checks client certificates
 * @param clientCertificates whether clients are asked for a certificate
 */
public record HttpsSettings(SSLContext context, ClientCertificates clientCertificates) {
    /** Whether the API asks clients for a certificate. */
    public enum ClientCertificates {
        /** Not asked. */
        NONE,
        /** Asked; a client may send none, but one it sends must be signed by a trusted CA (members always send theirs). */
        CHECKED_IF_SENT,
        /** Required, signed by a trusted CA. */
        REQUIRED
    }
}
