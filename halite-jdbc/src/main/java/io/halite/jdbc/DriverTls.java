package io.halite.jdbc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The driver's TLS from its options, with the JDK alone (the jar carries no other library): the CA certificates
 * of {@code sslrootcert} (PEM; the JDK's default CAs without it) and, for servers that verify clients, the
 * certificate of {@code sslcert} with its {@code sslkey} (an unencrypted PKCS#8 PEM key, {@code BEGIN PRIVATE KEY};
 * {@code openssl pkcs8 -topk8 -nocrypt} converts other kinds).
 */
final class DriverTls {
    private static final char[] NO_PASSWORD = new char[0];

    private DriverTls() {}

    static HttpConnection.Tls create(String rootCert, String cert, String key, boolean verifyHostname)
            throws SQLException {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            KeyStore roots = null;
            if (rootCert != null) {
                roots = emptyStore();
                int n = 0;
                for (Certificate ca : certificates("sslrootcert", rootCert)) {
                    roots.setCertificateEntry("ca-" + n++, ca);
                }
            }
            trust.init(roots);
            KeyManagerFactory keys = null;
            if (cert != null) {
                KeyStore identity = emptyStore();
                identity.setKeyEntry("client", privateKey(key), NO_PASSWORD,
                        certificates("sslcert", cert).toArray(Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(identity, NO_PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return new HttpConnection.Tls(context.getSocketFactory(), verifyHostname);
        } catch (GeneralSecurityException | IOException e) {
            throw new SQLException("cannot set up TLS: " + e.getMessage(), "08001", e);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static Collection<? extends Certificate> certificates(String option, String file) throws SQLException {
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(read(option, file)));
            if (certificates.isEmpty()) {
                throw new SQLException(option + ": " + file + " holds no PEM certificate", "08001");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new SQLException(option + ": " + file + " is not a PEM certificate file", "08001");
        }
    }

    private static PrivateKey privateKey(String file) throws SQLException {
        String text = new String(read("sslkey", file), StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new SQLException("sslkey: " + file + " holds no unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE "
                    + "KEY-----'); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8", "08001");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new SQLException("sslkey: " + file + " is damaged (its base64 does not decode)", "08001");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new SQLException("sslkey: " + file + " holds a key that is not RSA, EC or Ed25519, or is damaged", "08001");
    }

    private static byte[] read(String option, String file) throws SQLException {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new SQLException(option + ": " + file + " does not exist", "08001");
        } catch (IOException e) {
            throw new SQLException(option + ": " + file + " cannot be read", "08001");
        }
    }
}
