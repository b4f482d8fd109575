package io.halite.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys in every usual PEM form load; a replacement that cannot be used leaves the one in force. */
class ReloadingKeyManagerTest {
    @TempDir
    Path dir;

    private static X509Certificate presented(ReloadingKeyManager keys, String type) {
        return keys.getCertificateChain(keys.chooseServerAlias(type, null, null))[0];
    }

    @Test
    void readsPkcs8Pkcs1RsaAndEcKeys() throws Exception {
        TestCa ca = TestCa.create("CA");
        TestCa.Issued ec = ca.issue("ec");
        TestCa.Issued rsa = ca.issueRsa("rsa");
        Path ecCert = ec.writeCertificate(dir.resolve("ec.crt"));
        Path rsaCert = rsa.writeCertificate(dir.resolve("rsa.crt"));
        for (TestCa.KeyFormat format : TestCa.KeyFormat.values()) {
            Path ecKey = ec.writeKey(dir.resolve("ec-" + format + ".key"), format);
            Path rsaKey = rsa.writeKey(dir.resolve("rsa-" + format + ".key"), format);
            assertThat(Files.readString(ecKey)).startsWith(format == TestCa.KeyFormat.PKCS8
                    ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----");
            assertThat(Files.readString(rsaKey)).startsWith(format == TestCa.KeyFormat.PKCS8
                    ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----");
            assertThat(presented(new ReloadingKeyManager("test", ecCert, ecKey), "EC")).isEqualTo(ec.certificate());
            assertThat(presented(new ReloadingKeyManager("test", rsaCert, rsaKey), "RSA")).isEqualTo(rsa.certificate());
        }
    }

    @Test
    void anEncryptedKeyIsRefusedWithAnExplanation() throws Exception {
        TestCa.Issued issued = TestCa.create("CA").issue("node");
        Path cert = issued.writeCertificate(dir.resolve("node.crt"));
        Path key = dir.resolve("node.key");
        try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(key))) {
            writer.writeObject(new JcaPKCS8Generator(issued.keys().getPrivate(),
                    new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                            .setPassword("secret".toCharArray())
                            .build()));
        }
        assertThatThrownBy(() -> new ReloadingKeyManager("test", cert, key))
                .isInstanceOf(TlsFileException.class)
                .hasMessageStartingWith(key + " holds an encrypted private key; give it unencrypted");
    }

    @Test
    void aReplacementIsTakenOnceSettledAndABadOneLeavesTheOldInForce() throws Exception {
        TestCa ca = TestCa.create("CA");
        TestCa.Issued first = ca.issue("node");
        Path cert = first.writeCertificate(dir.resolve("node.crt"));
        Path key = first.writeKey(dir.resolve("node.key"));
        ReloadingKeyManager keys = new ReloadingKeyManager("test", cert, key);
        Reloadable reloadable = keys.reloadable();

        ca.issue("node").writeCertificate(cert); // its key is not written: they do not match
        touch(cert, 1);
        reloadable.reloadIfChanged();
        reloadable.reloadIfChanged();
        assertThat(presented(keys, "EC")).isEqualTo(first.certificate());

        TestCa.Issued second = ca.issue("node");
        second.writeKey(key);
        second.writeCertificate(cert);
        touch(cert, 2);
        touch(key, 2);
        reloadable.reloadIfChanged();
        assertThat(presented(keys, "EC")).as("not until the change has held still for one round")
                .isEqualTo(first.certificate());
        reloadable.reloadIfChanged();
        assertThat(presented(keys, "EC")).isEqualTo(second.certificate());
        String alias = keys.chooseServerAlias("EC", null, null);
        assertThat(keys.getPrivateKey(alias)).isEqualTo(second.keys().getPrivate());
        assertThat(List.of(keys.getServerAliases("EC", null))).containsExactly(alias);
    }

    /** Sets a distinct modification time: a rewrite within the file system's time granularity may not change it. */
    private static void touch(Path file, int generation) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10L * generation)));
    }
}
