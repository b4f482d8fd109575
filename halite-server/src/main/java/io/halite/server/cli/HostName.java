package io.halite.server.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** This machine's host name (a Kubernetes pod's is its name: halite-0 in a StatefulSet). */
final class HostName {
    private HostName() {}

    /** The host name, or empty if the system has none it can resolve. */
    static Optional<String> local() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
