package io.halite.server.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** This machine's host name (a Kubernetes pod's is its name: halite-0 in a StatefulSet). */
final class HostName {
    /** Linux's own record of the host name, which needs no name resolution. */
    private static final Path KERNEL_HOST_NAME = Path.of("/proc/sys/kernel/hostname");

    private HostName() {}

    /** The host name, or empty if the system has none. */
    static Optional<String> local() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            // A name nothing here resolves (a container with --network none, a host missing from /etc/hosts) is
            // still this machine's name: others may resolve it, and a single node needs nobody to.
            try {
                return Optional.of(Files.readString(KERNEL_HOST_NAME).strip()).filter(name -> !name.isEmpty());
            } catch (IOException notLinux) {
                return Optional.empty();
            }
        }
    }
}
