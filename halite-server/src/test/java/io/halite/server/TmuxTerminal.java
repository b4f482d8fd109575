package io.halite.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program running in a real pseudo-terminal: a detached tmux session (200x50) on a tmux server of its own, so
 * that closing it ends only what it started. Keys go in with {@code send-keys}; the screen comes back with
 * {@code capture-pane}. The program runs under {@code sh}, which prints {@code [exit N]} when it ends.
 */
final class TmuxTerminal implements AutoCloseable {
    private final String socket = "halite-test-" + UUID.randomUUID();
    private Path socketPath;

    private TmuxTerminal() {}

    /** Starts {@code command} in a new terminal. */
    static TmuxTerminal start(List<String> command) throws Exception {
        TmuxTerminal terminal = new TmuxTerminal();
        List<String> args = new ArrayList<>(List.of("new-session", "-d", "-s", "test", "-x", "200", "-y", "50",
                "sh", "-c", "\"$@\"; echo \"[exit $?]\"; sleep 3600", "sh"));
        args.addAll(command);
        terminal.tmux(args.toArray(String[]::new));
        terminal.socketPath = Path.of(terminal.tmux("display-message", "-p", "#{socket_path}").strip());
        return terminal;
    }

    /** Types text literally (no key names). */
    void type(String text) throws Exception {
        // tmux reads an argument that ends in ';' as a command separator unless the ';' is escaped: cut the text
        // after each ';' and send every piece that ends in one escaped.
        int start = 0;
        while (start < text.length()) {
            int semicolon = text.indexOf(';', start);
            int end = semicolon < 0 ? text.length() : semicolon + 1;
            String piece = text.substring(start, end);
            tmux("send-keys", "-t", "test", "-l", piece.endsWith(";") ? piece.substring(0, piece.length() - 1) + "\\;"
                    : piece);
            start = end;
        }
    }

    /** Presses keys by tmux name: {@code Enter}, {@code Tab}, {@code C-c}, {@code C-d}. */
    void press(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "test"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Types a line and presses Enter. */
    void typeLine(String text) throws Exception {
        type(text);
        press("Enter");
    }

    /** Everything the terminal shows, scrollback included, wrapped lines joined. */
    String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-t", "test", "-S", "-");
    }

    /** Waits (up to {@code within}) until the screen satisfies {@code expected}; fails showing the screen. */
    String await(String what, Predicate<String> expected, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String screen = screen();
        while (!expected.test(screen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the terminal did not show " + what + " within " + within.toSeconds()
                        + " s; it shows:\n" + screen);
            }
            Thread.sleep(100);
            screen = screen();
        }
        return screen;
    }

    /** Waits until the screen contains {@code text} at least {@code times} times. */
    String awaitCount(String text, int times, Duration within) throws Exception {
        return await(times + " x '" + text + "'", screen -> count(screen, text) >= times, within);
    }

    static int count(String screen, String text) {
        int count = 0;
        for (int i = screen.indexOf(text); i >= 0; i = screen.indexOf(text, i + text.length())) {
            count++;
        }
        return count;
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("tmux " + String.join(" ", args) + " did not finish");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("tmux " + args[0] + " failed (" + process.exitValue() + "): " + output);
        }
        return output;
    }

    /** Ends the tmux server and with it the program, and removes the server's socket file. */
    @Override
    public void close() throws Exception {
        Process process = new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        process.waitFor(30, TimeUnit.SECONDS);
        if (socketPath != null) {
            Files.deleteIfExists(socketPath);
        }
    }
}
