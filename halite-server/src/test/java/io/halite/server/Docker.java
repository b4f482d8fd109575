package io.halite.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The {@code docker} command line, for tests. Containers and volumes made through it carry this instance's name
 * prefix, and {@link #close()} saves each container's log and removes them all, whatever the test's outcome.
 */
final class Docker implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    /** How a command exited, and what it printed (standard output and error together). */
    record Result(int exitCode, String output) {}

    private final String prefix = "halite-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    private final Path logDir;
    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    /** Keeps the logs of the containers it started in {@code logDir}. */
    Docker(Path logDir) {
        this.logDir = logDir;
    }

    /** Why this machine cannot run containers, or empty if it can. */
    static Optional<String> unavailable() throws InterruptedException {
        try {
            Result info = run(Duration.ofSeconds(30), "docker", "info", "--format", "{{.ServerVersion}}");
            return info.exitCode() == 0 ? Optional.empty()
                    : Optional.of("'docker info' failed: " + info.output().strip());
        } catch (IOException e) {
            return Optional.of("no docker command: " + e.getMessage());
        }
    }

    /** Runs {@code command}; fails if it runs longer than {@code timeout}. */
    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("halite-docker-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout.toSeconds()
                        + " s; it printed:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Runs {@code command} and fails, with what it printed, unless it exits with 0; returns its output. */
    static String require(Duration timeout, String... command) throws IOException, InterruptedException {
        Result result = run(timeout, command);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + result.exitCode() + ":\n"
                    + result.output());
        }
        return result.output();
    }

    /** {@code docker <args>}, which must succeed; returns its output, stripped. */
    String docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return require(COMMAND_TIMEOUT, command.toArray(String[]::new)).strip();
    }

    /** {@code docker exec <container> <command>}, whatever its exit code. */
    Result exec(String container, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("docker", "exec", container));
        full.addAll(List.of(command));
        return run(COMMAND_TIMEOUT, full.toArray(String[]::new));
    }

    /**
     * {@code docker run -d} of {@code image} as a container named after {@code name}, with {@code options} before
     * the image and {@code args} after it; returns the container's name.
     */
    String start(String name, List<String> options, String image, String... args)
            throws IOException, InterruptedException {
        String container = prefix + "-" + name;
        containers.add(container);
        List<String> command = new ArrayList<>(List.of("run", "-d", "--name", container));
        command.addAll(options);
        command.add(image);
        command.addAll(List.of(args));
        docker(command.toArray(String[]::new));
        return container;
    }

    /** A new named volume; returns its name. */
    String volume(String name) throws IOException, InterruptedException {
        String volume = prefix + "-" + name;
        volumes.add(volume);
        docker("volume", "create", volume);
        return volume;
    }

    /** {@code docker inspect --format <format> <container>}. */
    String inspect(String container, String format) throws IOException, InterruptedException {
        return docker("inspect", "--format", format, container);
    }

    /** The last lines a container printed. */
    String logTail(String container) throws IOException, InterruptedException {
        return run(COMMAND_TIMEOUT, "docker", "logs", "--tail", "60", container).output();
    }

    /** Saves every container's log in the log directory, then removes the containers and volumes. */
    @Override
    public void close() throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        for (String container : containers) {
            Files.writeString(logDir.resolve(container + ".log"),
                    run(COMMAND_TIMEOUT, "docker", "logs", container).output(), StandardCharsets.UTF_8);
            run(COMMAND_TIMEOUT, "docker", "rm", "--force", "--volumes", container);
        }
        for (String volume : volumes) {
            run(COMMAND_TIMEOUT, "docker", "volume", "rm", "--force", volume);
        }
    }
}
