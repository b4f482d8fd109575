package io.halite.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Linux network namespaces joined by a bridge, one per node, so that a test can cut the links between nodes
 * (blackhole routes in both directions) while the test itself, in the root namespace, still reaches every node.
 * Needs root and iproute2; {@link #available()} says whether this machine has them.
 */
final class NetworkNamespaces implements AutoCloseable {
    private final String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    private final int subnet = ThreadLocalRandom.current().nextInt(1, 250);
    private final int size;
    private final List<String> cut = new ArrayList<>();

    /** Whether namespaces can be made here: root, and the ip command. */
    static boolean available() {
        try {
            return "0".equals(output("id", "-u").strip()) && run("ip", "netns", "list") == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Creates {@code size} namespaces, each with one address on a shared bridge; the root namespace has .1. */
    NetworkNamespaces(int size) throws IOException, InterruptedException {
        this.size = size;
        try {
            ip("link", "add", bridge(), "type", "bridge");
            ip("addr", "add", "10.213." + subnet + ".1/24", "dev", bridge());
            ip("link", "set", bridge(), "up");
            for (int i = 0; i < size; i++) {
                ip("netns", "add", namespace(i));
                ip("link", "add", "hlv" + tag + i, "type", "veth", "peer", "name", "hlp" + tag + i);
                ip("link", "set", "hlp" + tag + i, "netns", namespace(i));
                ip("link", "set", "hlv" + tag + i, "master", bridge(), "up");
                ip("netns", "exec", namespace(i), "ip", "addr", "add", address(i) + "/24", "dev", "hlp" + tag + i);
                ip("netns", "exec", namespace(i), "ip", "link", "set", "hlp" + tag + i, "up");
                ip("netns", "exec", namespace(i), "ip", "link", "set", "lo", "up");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String namespace(int i) {
        return "hl" + tag + "-" + i;
    }

    String address(int i) {
        return "10.213." + subnet + "." + (10 + i);
    }

    /** The command prefix that runs a program inside namespace {@code i}. */
    List<String> inside(int i) {
        return List.of("ip", "netns", "exec", namespace(i));
    }

    /** Cuts node {@code i} off from every other node (it stays reachable from the root namespace). */
    void isolate(int i) throws IOException, InterruptedException {
        for (int j = 0; j < size; j++) {
            if (j != i) {
                blackhole(i, j);
                blackhole(j, i);
            }
        }
    }

    /** Restores every link cut. */
    void heal() throws IOException, InterruptedException {
        for (String route : List.copyOf(cut)) {
            String[] parts = route.split(" ");
            ip("netns", "exec", parts[0], "ip", "route", "del", "blackhole", parts[1]);
            cut.remove(route);
        }
    }

    private void blackhole(int from, int to) throws IOException, InterruptedException {
        ip("netns", "exec", namespace(from), "ip", "route", "add", "blackhole", address(to) + "/32");
        cut.add(namespace(from) + " " + address(to) + "/32");
    }

    private String bridge() {
        return "hlb" + tag;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (int i = 0; i < size; i++) {
            run("ip", "netns", "del", namespace(i));
        }
        run("ip", "link", "del", bridge());
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue();
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
