package io.halite.server.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.Date;
import java.util.List;

/**
 * A certificate chain and the private key of its first certificate, read from PEM files and checked: the key
 * belongs to the certificate, and every certificate of the chain is valid now.
 */
record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
    private static final byte[] PROBE = "halite: does this key belong to this certificate?".getBytes(StandardCharsets.UTF_8);

    static CertifiedKey read(Path certificateFile, Path keyFile) throws TlsFileException {
        List<X509Certificate> chain = Pem.certificates(certificateFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            throw new TlsFileException("the private key in " + keyFile + " does not match the certificate in "
                    + certificateFile + " (" + Certificates.describe(chain.get(0)) + ")");
        }
        for (X509Certificate certificate : chain) {
            Certificates.checkValidNow(certificate, certificateFile);
        }
        return new CertifiedKey(List.copyOf(chain), key);
    }

    /** Whether {@code key} is the private half of {@code publicKey}: what it signs, the public key verifies. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        if (key instanceof RSAKey rsa && publicKey instanceof RSAKey rsaPublic) {
            return rsa.getModulus().equals(rsaPublic.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign with their own names
        };
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** What people need to know about a certificate in a message. */
    static final class Certificates {
        private Certificates() {}

        static String describe(X509Certificate certificate) {
            return "subject " + certificate.getSubjectX500Principal().getName() + ", issued by "
                    + certificate.getIssuerX500Principal().getName();
        }

        static void checkValidNow(X509Certificate certificate, Path file) throws TlsFileException {
            try {
                certificate.checkValidity(new Date());
            } catch (CertificateExpiredException e) {
                throw new TlsFileException("the certificate in " + file + " (" + describe(certificate)
                        + ") expired on " + certificate.getNotAfter().toInstant());
            } catch (CertificateNotYetValidException e) {
                throw new TlsFileException("the certificate in " + file + " (" + describe(certificate)
                        + ") is not valid before " + certificate.getNotBefore().toInstant());
            }
        }
    }
}
