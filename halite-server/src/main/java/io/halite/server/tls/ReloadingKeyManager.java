package io.halite.server.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The certificate and key this process presents, from a PEM certificate (chain) file and a PEM key file, read
 * again when they change: every handshake asks this key manager, so the next one after a reload presents the new
 * certificate while connections already open go on.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final char[] NO_PASSWORD = new char[0];

    private final Path certificateFile;
    private final Path keyFile;
    private final Reloadable reloadable;
    private int loads;
    /**
     * The material in force, and the one before it: a handshake picks an alias, then asks for its chain and key,
     * and a reload may come in between. Each load has its own alias, so both answers come from the same load.
     */
    private volatile Loaded current;
    private volatile Loaded previous;

    private record Loaded(String alias, X509ExtendedKeyManager manager) {}

    /**
     * Reads and checks the files now.
     *
     * @param what what the certificate is for, in log lines
     * @throws TlsFileException if they cannot be used (unreadable, not PEM, key and certificate do not match, a
     *                          certificate expired)
     */
    public ReloadingKeyManager(String what, Path certificateFile, Path keyFile) throws TlsFileException {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        // Stamped before reading, so that a change made while the files are read is seen at the next round.
        this.reloadable = new Reloadable(what, List.of(certificateFile, keyFile)) {
            @Override
            void load() throws TlsFileException {
                Loaded next = ReloadingKeyManager.this.load(CertifiedKey.read(
                        ReloadingKeyManager.this.certificateFile, ReloadingKeyManager.this.keyFile));
                previous = current;
                current = next;
            }
        };
        this.current = load(CertifiedKey.read(certificateFile, keyFile));
    }

    Reloadable reloadable() {
        return reloadable;
    }

    private synchronized Loaded load(CertifiedKey certified) throws TlsFileException {
        String alias = "key-" + ++loads;
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, certified.key(), NO_PASSWORD, certified.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
            factory.init(store, NO_PASSWORD);
            return new Loaded(alias, (X509ExtendedKeyManager) factory.getKeyManagers()[0]);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsFileException("the key and certificate cannot be used for TLS: " + e.getMessage());
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return current.manager().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return current.manager().chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return current.manager().chooseEngineClientAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return current.manager().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return current.manager().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return current.manager().chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return loadedAs(alias).getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return loadedAs(alias).getPrivateKey(alias);
    }

    private X509ExtendedKeyManager loadedAs(String alias) {
        Loaded before = previous;
        return before != null && before.alias().equals(alias) ? before.manager() : current.manager();
    }
}
