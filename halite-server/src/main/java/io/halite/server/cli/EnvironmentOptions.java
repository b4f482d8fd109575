package io.halite.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's options from the environment, as containers are configured: {@code --statement-budget} from
 * {@code HALITE_STATEMENT_BUDGET}, and a secret option also from the file named by {@code HALITE_<OPTION>_FILE}
 * (a mounted secret). Picocli asks it only for options not given as flags, so a flag wins over its variable.
 */
final class EnvironmentOptions implements CommandLine.IDefaultValueProvider {
    private static final String PREFIX = "HALITE_";
    private static final String FILE_SUFFIX = "_FILE";
    /**
     * Read by the ./halite launcher (HALITE_JAVA_OPTS) or by a command itself, not options: passwords, and the
     * client credentials a container may set for 'halite health' beside the node's own variables.
     */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("HALITE_JAVA_OPTS", ServeCommand.NODE_PASSWORD_VARIABLE,
            ClientCredentials.PASSWORD_VARIABLE, "HALITE_USER", "HALITE_PASSWORD_FILE");

    private final Map<String, String> environment;
    private final Set<String> secretOptions;

    /** For {@code @Command(defaultValueProvider = ...)}: this process's environment; S3 keys are secrets. */
    EnvironmentOptions() {
        this(System.getenv(), BackupStorageOptions.SECRET_OPTIONS);
    }

    EnvironmentOptions(Map<String, String> environment, Set<String> secretOptions) {
        this.environment = Map.copyOf(environment);
        this.secretOptions = Set.copyOf(secretOptions);
    }

    /** The variable that sets {@code option}: {@code --raft-adv-addr} is {@code HALITE_RAFT_ADV_ADDR}. */
    static String variable(OptionSpec option) {
        return PREFIX + option.longestName().replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || isHelp(option)) {
            return null;
        }
        String name = variable(option);
        String value = environment.get(name);
        String file = secretOptions.contains(option.longestName()) ? environment.get(name + FILE_SUFFIX) : null;
        if (file == null) {
            return value;
        }
        if (value != null) {
            throw new CommandLine.ParameterException(option.command().commandLine(),
                    name + " and " + name + FILE_SUFFIX + " are both set; set one of them");
        }
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
        } catch (IOException e) {
            throw new CommandLine.ParameterException(option.command().commandLine(),
                    "cannot read " + name + FILE_SUFFIX + " (" + file + "): " + e);
        }
    }

    /** Whether the environment sets {@code option} (through its variable or, for a secret, its file). */
    boolean sets(OptionSpec option) {
        String name = variable(option);
        return environment.containsKey(name)
                || secretOptions.contains(option.longestName()) && environment.containsKey(name + FILE_SUFFIX);
    }

    /**
     * A warning for each {@code HALITE_*} variable that sets none of {@code command}'s options, naming the closest
     * one: a misspelt variable would otherwise be ignored without a word.
     */
    List<String> unknownVariables(CommandSpec command) {
        Set<String> known = new TreeSet<>(LAUNCHER_VARIABLES);
        for (OptionSpec option : command.options()) {
            if (!isHelp(option)) {
                known.add(variable(option));
                if (secretOptions.contains(option.longestName())) {
                    known.add(variable(option) + FILE_SUFFIX);
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        for (String name : new TreeSet<>(environment.keySet())) {
            if (name.startsWith(PREFIX) && !known.contains(name)) {
                String closest = known.stream().min(Comparator.comparingInt(k -> editDistance(name, k))).orElseThrow();
                warnings.add(name + " sets no option of 'halite " + command.name() + "' and is ignored; did you mean "
                        + closest + "?");
            }
        }
        return warnings;
    }

    private static boolean isHelp(OptionSpec option) {
        return option.usageHelp() || option.versionHelp();
    }

    /** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
