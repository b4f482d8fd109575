package io.halite.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code halite} command. */
@Command(name = "halite",
        mixinStandardHelpOptions = true,
        versionProvider = HaliteCommand.Version.class,
        description = {
            "Halite: replicated SQLite on Raft, with an rqlite-compatible HTTP API.",
            "",
            "Start a node with 'halite serve' (no flags needed), then send SQL to http://127.0.0.1:4001/db/execute and /db/query.",
            "",
            "Run 'halite <command> --help' for a command's options. 'halite bench' (its own jar, halite-bench) measures a running node."
        },
        subcommands = {ServeCommand.class, RemoveCommand.class, RestoreCommand.class, BackupCommand.class,
            HealthCommand.class, ShellCommand.class, PasswdCommand.class,
            CommandLine.HelpCommand.class})
public final class HaliteCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // gRPC logs through java.util.logging; routed to logback, its lines take the chosen format and levels.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        LogFormat.applyFromEnvironment();
        int code = new CommandLine(new HaliteCommand()).execute(args);
        if (code != 0 || !isServe(args)) {
            System.exit(code);
        }
    }

    private static boolean isServe(String[] args) {
        return args.length > 0 && args[0].equals("serve");
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The build's version, from the jar manifest. */
    public static String version() {
        String v = HaliteCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"halite " + version()};
        }
    }
}
