package io.halite.server.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files: certificates with the JDK, private keys with BouncyCastle, which knows every usual encoding
 * (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}); the JDK reads only
 * PKCS#8. Errors name the file and say what is wrong with it.
 */
public final class Pem {
    private Pem() {}

    /** The certificates in a PEM file, in order (a chain starts with the leaf); at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsFileException {
        byte[] bytes = read(file);
        if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new TlsFileException(file + " holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' line)");
        }
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new TlsFileException(file + " holds no PEM certificate");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new TlsFileException(file + " is not a valid PEM certificate file (damaged or truncated base64 or "
                    + "DER content)");
        }
    }

    /** The one private key in a PEM file; an encrypted key is refused (there is nowhere to give its password). */
    public static PrivateKey privateKey(Path file) throws TlsFileException {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            parsed = parser.readObject();
            while (parsed != null && !isKey(parsed)) {
                parsed = parser.readObject(); // skip EC PARAMETERS and the like that openssl writes before a key
            }
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(file + " is not a valid PEM private key (damaged or truncated content)");
        }
        if (parsed == null) {
            throw new TlsFileException(file + " holds no PEM private key (expected '-----BEGIN PRIVATE KEY-----', "
                    + "'-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN EC PRIVATE KEY-----')");
        }
        if (parsed instanceof PEMEncryptedKeyPair || parsed instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new TlsFileException(file + " holds an encrypted private key; give it unencrypted (protect the file "
                    + "instead, e.g. mode 0600 or a mounted secret)");
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            // An EC key written without its public half has a key pair with no public key: take the private part.
            return converter.getPrivateKey(parsed instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo()
                    : (PrivateKeyInfo) parsed);
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(file + " holds a private key of a kind that cannot be read (its algorithm is "
                    + "not supported, or its content is damaged)");
        }
    }

    private static boolean isKey(Object pem) {
        return pem instanceof PEMKeyPair || pem instanceof PrivateKeyInfo || pem instanceof PEMEncryptedKeyPair
                || pem instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    private static byte[] read(Path file) throws TlsFileException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file + " does not exist");
        } catch (IOException e) {
            throw new TlsFileException(file + " cannot be read" + (Files.isDirectory(file) ? " (it is a directory)"
                    : Files.exists(file) && !Files.isReadable(file) ? " (permission denied)" : ""));
        }
    }
}
