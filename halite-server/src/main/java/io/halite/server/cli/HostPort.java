package io.halite.server.cli;

import picocli.CommandLine;

/** A host:port address given on the command line. */
record HostPort(String host, int port) {
    static HostPort parse(String text, String option) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(new HaliteCommand()),
                    option + " must be host:port, not '" + text + "'");
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new HostPort(text.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(new CommandLine(new HaliteCommand()),
                    option + " has an invalid port: '" + text + "'");
        }
    }
}
