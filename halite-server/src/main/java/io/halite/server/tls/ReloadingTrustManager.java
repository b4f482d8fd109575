package io.halite.server.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which peer certificates this process accepts: those signed by the CAs of the given PEM files (read again when
 * they change), or with no file, by the JDK's default CAs.
 *
 * <p>The server's name is checked against its certificate only when asked ({@code verifyServerName}), and always
 * against the JDK's default CAs: with a private CA the chain is what identifies a member (pod addresses rarely
 * match a certificate's names); with the public CAs anyone can hold a certificate, so the name is what matters. A
 * refused certificate fails the handshake with a message saying whose certificate it was and why, and is logged
 * when {@code logRefusals} (the TLS layers that log nothing of their own, such as Raft's gRPC).
 */
public final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private final String what;
    private final List<Path> caFiles;
    private final boolean verifyServerName;
    private final boolean logRefusals;
    private final Reloadable reloadable;
    private volatile X509ExtendedTrustManager current;

    /**
     * Reads and checks the CA files now.
     *
     * @param what             what the CAs are for, in messages ("the node CA (--node-ca-cert)")
     * @param caFiles          PEM files of trusted CA certificates; empty for the JDK's default CAs
     * @throws TlsFileException if a file cannot be used (unreadable, not PEM, a certificate expired)
     */
    public ReloadingTrustManager(String what, List<Path> caFiles, boolean verifyServerName, boolean logRefusals)
            throws TlsFileException {
        this.what = what;
        this.caFiles = List.copyOf(caFiles);
        this.verifyServerName = verifyServerName || caFiles.isEmpty();
        this.logRefusals = logRefusals;
        // Stamped before reading, so that a change made while the files are read is seen at the next round.
        this.reloadable = caFiles.isEmpty() ? null : new Reloadable(what, caFiles) {
            @Override
            void load() throws TlsFileException {
                current = managerFor(ReloadingTrustManager.this.caFiles);
            }
        };
        this.current = managerFor(this.caFiles);
    }

    /** Null when nothing is read from files. */
    Reloadable reloadable() {
        return reloadable;
    }

    private static X509ExtendedTrustManager managerFor(List<Path> caFiles) throws TlsFileException {
        try {
            KeyStore store = null;
            if (!caFiles.isEmpty()) {
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int n = 0;
                for (Path file : caFiles) {
                    for (X509Certificate ca : Pem.certificates(file)) {
                        CertifiedKey.Certificates.checkValidNow(ca, file);
                        store.setCertificateEntry("ca-" + n++, ca);
                    }
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsFileException("the CA certificates in " + caFiles + " cannot be used: " + e.getMessage());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "", () -> current.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, from(socket), () -> current.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, from(engine), () -> current.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "", () -> current.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, from(socket), verifyServerName ? () -> current.checkServerTrusted(chain, authType, socket)
                : () -> current.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, from(engine), verifyServerName ? () -> current.checkServerTrusted(chain, authType, engine)
                : () -> current.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current.getAcceptedIssuers();
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, String peer, Check check) throws CertificateException {
        try {
            check.run();
        } catch (CertificateException e) {
            String reason = (chain == null || chain.length == 0 ? "no certificate"
                    : "the certificate of " + CertifiedKey.Certificates.describe(chain[0]))
                    + " is not accepted by " + what + ": " + e.getMessage();
            if (logRefusals) {
                RefusalLog.handshakeFailed(peer, reason);
            }
            throw new CertificateException(reason, e);
        }
    }

    private static String from(Socket socket) {
        return socket == null || socket.getInetAddress() == null ? "" : "with " + socket.getInetAddress().getHostAddress();
    }

    private static String from(SSLEngine engine) {
        return engine == null || engine.getPeerHost() == null ? "" : "with " + engine.getPeerHost();
    }
}
