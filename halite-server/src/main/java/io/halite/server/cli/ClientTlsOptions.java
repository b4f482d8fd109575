package io.halite.server.cli;

import io.halite.server.tls.ClientTls;
import io.halite.server.tls.TlsFileException;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** TLS options of the commands that talk to a node's API ({@code bench}, {@code remove}). */
public final class ClientTlsOptions {
    @Option(names = "--ca-cert", paramLabel = "FILE",
            description = "With an https:// URL: PEM CA certificates that sign the nodes' certificates (default: the JDK's CAs).")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "With an https:// URL: a PEM client certificate, for nodes started with --http-verify-client.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "The PEM private key of --cert.")
    Path key;

    @Option(names = "--verify-server-name", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Check that the node's certificate names the host of the URL (default: on; --no-verify-server-name checks the CA only, for certificates that name no address).")
    boolean verifyServerName;

    /** The TLS for {@code url}: null for http://; refuses TLS options given with an http:// URL. */
    public ClientTls forUrl(URI url, CommandLine commandLine) {
        if (!"https".equals(url.getScheme())) {
            if (caCert != null || cert != null || key != null) {
                throw new CommandLine.ParameterException(commandLine,
                        "--ca-cert, --cert and --key need an https:// URL, not " + url);
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new CommandLine.ParameterException(commandLine, "--cert and --key go together");
        }
        try {
            return ClientTls.load(caCert, cert, key, verifyServerName);
        } catch (TlsFileException e) {
            throw new CommandLine.ParameterException(commandLine, e.getMessage());
        }
    }
}
