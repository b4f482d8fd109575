package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.backup.S3ProxyServer;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class S3TargetTest extends RemoteTargetContract {
    static final AtomicInteger tests = new AtomicInteger();
    static S3ProxyServer server;
    String prefix;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3ProxyServer();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** Each test in a prefix of its own, so that it sees no other test's objects. */
    @Override
    BackupTarget newTarget() {
        prefix = "cluster/test" + tests.incrementAndGet();
        return new S3Target(server.bucket(), prefix, server.settings());
    }

    @Test
    void describesItselfWithoutCredentials() {
        assertThat(target.describe()).isEqualTo("s3://halite/" + prefix);
        assertThat(server.settings().toString()).doesNotContain(S3ProxyServer.SECRET_KEY);
    }

    @Test
    void aWholeBucketIsATargetToo() throws IOException {
        try (BackupTarget bucket = new S3Target(server.bucket(), "", server.settings())) {
            target.put("x", new byte[] {1});

            assertThat(bucket.describe()).isEqualTo("s3://halite");
            assertThat(bucket.list(prefix + "/")).containsExactly(new BackupTarget.StoredObject(prefix + "/x", 1));
        }
    }

    @Test
    void errorsNameTheObjectAndTheS3ErrorButNoSecret() {
        S3Settings wrongSecret = new S3Settings(server.endpoint(), "us-east-1", true, S3ProxyServer.ACCESS_KEY, "wrong-secret");
        try (BackupTarget missingBucket = new S3Target("no-such-bucket", "", server.settings());
                BackupTarget unauthorized = new S3Target(server.bucket(), "p", wrongSecret)) {
            assertThatThrownBy(() -> missingBucket.put("x", new byte[] {1}))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://no-such-bucket/x")
                    .hasMessageContaining("NoSuchBucket");
            assertThatThrownBy(() -> missingBucket.open("x"))
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("NoSuchBucket");
            assertThatThrownBy(() -> unauthorized.list("wal/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://halite/p/wal/")
                    .hasMessageContaining("SignatureDoesNotMatch")
                    .hasMessageNotContaining("wrong-secret");
        }
    }

    @Override
    void takeServerDown() throws Exception {
        server.stop();
    }

    @Override
    void bringServerBack() throws Exception {
        server.start();
    }
}
