package io.halite.server.auth;

/** What Halite's own clients (bench, remove) send to a node that runs with --auth. Its string form names the user only. */
public record Login(String user, String password) {
    /** The Authorization header value: Basic credentials. */
    public String authorization() {
        return PeerCredentials.basic(user, password.toCharArray()).authorization().orElseThrow();
    }

    @Override
    public String toString() {
        return "Login[user=" + user + "]";
    }
}
