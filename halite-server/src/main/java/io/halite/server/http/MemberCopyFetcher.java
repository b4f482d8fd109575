package io.halite.server.http;

import io.halite.core.engine.SqliteDatabase;
import io.halite.core.node.ReplicaFetcher;
import io.halite.core.raft.SqliteStateMachine;
import io.halite.server.auth.PeerCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * Fetches a catch-up copy of a member's database from its API: {@code GET /db/backup} streamed into a file, with the
 * log position and cluster identity the copy holds in the headers {@link HttpApi} writes beside it.
 */
public final class MemberCopyFetcher implements ReplicaFetcher {
    static final String INDEX_HEADER = "X-Halite-Applied-Index";
    static final String TERM_HEADER = "X-Halite-Applied-Term";
    static final String MID_LOAD_HEADER = "X-Halite-Mid-Load";
    static final String CLUSTER_IDENTITY_HEADER = "X-Halite-Cluster-Identity";

    private final HttpClient http;
    private final PeerCredentials credentials;

    /**
     * @param tls         for members' HTTPS APIs; null for the JDK's defaults
     * @param credentials what this node presents to the other members
     */
    public MemberCopyFetcher(SSLContext tls, PeerCredentials credentials) {
        this.http = tls == null ? HttpClient.newHttpClient() : HttpClient.newBuilder().sslContext(tls).build();
        this.credentials = credentials;
    }

    @Override
    public SqliteStateMachine.Replica fetch(String apiAddress, Path directory) throws Exception {
        Path target = Files.createTempFile(directory, "replica-", ".sqlite");
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiAddress + "/db/backup")).GET();
            credentials.authorization().ifPresent(value -> request.header("Authorization", value));
            HttpResponse<Path> response = http.send(request.build(), HttpResponse.BodyHandlers.ofFile(target));
            if (response.statusCode() != 200) {
                throw new IOException("GET " + apiAddress + "/db/backup answered " + response.statusCode());
            }
            var headers = response.headers();
            long index = headers.firstValueAsLong(INDEX_HEADER).orElseThrow(() -> new IOException(
                    "GET " + apiAddress + "/db/backup did not say which log index the copy holds"));
            long term = headers.firstValueAsLong(TERM_HEADER).orElseThrow(() -> new IOException(
                    "GET " + apiAddress + "/db/backup did not say the term of the copy's last entry"));
            boolean midLoad = headers.firstValue(MID_LOAD_HEADER).map(Boolean::parseBoolean).orElse(false);
            String identity = headers.firstValue(CLUSTER_IDENTITY_HEADER).orElse("");
            return new SqliteStateMachine.Replica(target, new SqliteDatabase.ImageState(index, term, midLoad),
                    identity);
        } catch (Exception e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }
}
