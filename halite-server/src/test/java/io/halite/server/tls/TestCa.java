package io.halite.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.net.Socket;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A certificate authority for tests: it makes its own key and certificate, issues certificates for servers and
 * clients, and writes them as PEM files. Nothing of it is kept: every test run makes new keys.
 */
public final class TestCa {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    /** How a private key is written. */
    public enum KeyFormat {
        /** {@code BEGIN PRIVATE KEY}, for any algorithm. */
        PKCS8,
        /** {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY}: OpenSSL's traditional formats. */
        TRADITIONAL
    }

    /** An issued certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keys, X509Certificate issuer) {
        /** Writes the certificate as PEM to {@code file}; returns it. */
        public Path writeCertificate(Path file) throws IOException {
            return write(file, pem(certificate));
        }

        /** Writes the private key as PEM to {@code file}; returns it. */
        public Path writeKey(Path file, KeyFormat format) throws IOException {
            PrivateKey key = keys.getPrivate();
            if (format == KeyFormat.PKCS8) {
                return write(file, pem(new JcaPKCS8Generator(key, null)));
            }
            if (key.getAlgorithm().equals("EC")) {
                // SEC1 as openssl writes it, with the curve (BouncyCastle's writer leaves it out of a JDK key).
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
                org.bouncycastle.asn1.sec.ECPrivateKey inner =
                        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), inner.getPublicKey(),
                        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
                return write(file, pem(new PemObject("EC PRIVATE KEY", sec1)));
            }
            return write(file, pem(key)); // RSA: PKCS#1
        }

        public Path writeKey(Path file) throws IOException {
            return writeKey(file, KeyFormat.PKCS8);
        }
    }

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(String name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new CA, valid from yesterday for ten years. */
    public static TestCa create(String name) throws GeneralSecurityException {
        KeyPair keys = ecKeys();
        Instant now = Instant.now();
        X509Certificate certificate = sign(new X500Name("CN=" + name), keys, new X500Name("CN=" + name),
                keys.getPrivate(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), true, List.of());
        return new TestCa(name, keys, certificate);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes this CA's certificate as PEM to {@code file}; returns it. */
    public Path writeCertificate(Path file) throws IOException {
        return write(file, pem(certificate));
    }

    /** An EC certificate for {@code commonName}, valid now for a year, naming {@code ipAddresses} (may be none). */
    public Issued issue(String commonName, String... ipAddresses) throws GeneralSecurityException {
        Instant now = Instant.now();
        return issue(commonName, ecKeys(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), ipAddresses);
    }

    /** An RSA certificate, valid now for a year. */
    public Issued issueRsa(String commonName, String... ipAddresses) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Instant now = Instant.now();
        return issue(commonName, generator.generateKeyPair(), now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(365)), ipAddresses);
    }

    /** A certificate valid only between {@code notBefore} and {@code notAfter} (e.g. already expired). */
    public Issued issue(String commonName, KeyPair keys, Instant notBefore, Instant notAfter, String... ipAddresses)
            throws GeneralSecurityException {
        List<GeneralName> names = java.util.Arrays.stream(ipAddresses)
                .map(ip -> new GeneralName(GeneralName.iPAddress, ip)).toList();
        return new Issued(sign(new X500Name("CN=" + commonName), keys, new X500Name("CN=" + name), this.keys.getPrivate(),
                notBefore, notAfter, false, names), keys, certificate);
    }

    /**
     * A TLS client context that trusts this CA and presents {@code identity} (null: no client certificate). It
     * checks the chain, not the server's name: the nodes' test certificates name no address, as pod certificates
     * often do not.
     */
    public SSLContext clientContext(Issued identity) throws GeneralSecurityException, IOException {
        return clientContext(this, identity);
    }

    /** {@link #clientContext(Issued)} trusting {@code serverCa}, with an identity that any CA may have issued. */
    public static SSLContext clientContext(TestCa serverCa, Issued identity) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", serverCa.certificate);
        TrustManagerFactory trustFactory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustFactory.init(trust);
        KeyManagerFactory keyFactory = null;
        if (identity != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("me", identity.keys().getPrivate(), new char[0],
                    new X509Certificate[] {identity.certificate(), identity.issuer()});
            keyFactory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyFactory.init(store, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyFactory == null ? null : keyFactory.getKeyManagers(),
                new TrustManager[] {new ChainOnly((X509ExtendedTrustManager) trustFactory.getTrustManagers()[0])}, null);
        return context;
    }

    /** Checks a server's chain and not its name (the engine, which carries the name to check, is not passed on). */
    private static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager chain;

        ChainOnly(X509ExtendedTrustManager chain) {
            this.chain = chain;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
                throws CertificateException {
            chain.checkServerTrusted(certificates, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket)
                throws CertificateException {
            chain.checkServerTrusted(certificates, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
            chain.checkServerTrusted(certificates, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
                throws CertificateException {
            chain.checkClientTrusted(certificates, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket)
                throws CertificateException {
            chain.checkClientTrusted(certificates, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
            chain.checkClientTrusted(certificates, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return chain.getAcceptedIssuers();
        }
    }

    public static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, PrivateKey issuerKey,
                                        Instant notBefore, Instant notAfter, boolean ca, List<GeneralName> names)
            throws GeneralSecurityException {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, ca ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                    : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (Exception e) {
            throw new GeneralSecurityException("cannot make a test certificate: " + e.getMessage(), e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.US_ASCII);
        // Replaced in one step, as a rotation does; a reader never sees half a file.
        return Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
