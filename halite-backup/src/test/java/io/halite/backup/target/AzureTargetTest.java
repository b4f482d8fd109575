package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.backup.AzuriteServer;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The target contract against Azurite, Azure Blob Storage's emulator, and what is Azure's own. */
class AzureTargetTest extends RemoteTargetContract {
    static final AtomicInteger tests = new AtomicInteger();
    static AzuriteServer server;
    String prefix;

    @BeforeAll
    static void startServer() throws Exception {
        server = new AzuriteServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    /** Each test in a prefix of its own, so that it sees no other test's objects. */
    @Override
    BackupTarget newTarget() {
        prefix = "cluster/test" + tests.incrementAndGet();
        return new AzureTarget(AzuriteServer.ACCOUNT, server.container(), prefix, server.settings());
    }

    @Test
    void describesItselfWithoutCredentials() {
        assertThat(target.describe()).isEqualTo("az://devstoreaccount1/halite/" + prefix);
        assertThat(server.settings().toString()).doesNotContain(AzuriteServer.ACCOUNT_KEY)
                .contains("an account key");
    }

    @Test
    void aConnectionStringCarriesTheEndpointAndTheKey() throws IOException {
        AzureSettings settings = new AzureSettings(null, server.connectionString(), null, null);
        try (BackupTarget same = new AzureTarget(AzuriteServer.ACCOUNT, server.container(), prefix, settings)) {
            same.put("x", new byte[] {7});

            assertThat(read("x")).containsExactly(7);
            assertThat(settings.toString()).doesNotContain(AzuriteServer.ACCOUNT_KEY);
        }
    }

    @Test
    void aWholeContainerIsATargetToo() throws IOException {
        try (BackupTarget whole = new AzureTarget(AzuriteServer.ACCOUNT, server.container(), "", server.settings())) {
            target.put("x", new byte[] {1});

            assertThat(whole.describe()).isEqualTo("az://devstoreaccount1/halite");
            assertThat(whole.list(prefix + "/")).containsExactly(new BackupTarget.StoredObject(prefix + "/x", 1));
        }
    }

    @Test
    void credentialsForAnotherAccountAreRefusedNamingBoth() {
        AzureSettings settings = new AzureSettings(null, server.connectionString(), null, null);

        assertThatThrownBy(() -> new AzureTarget("otheraccount", server.container(), "", settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the backup URL names storage account 'otheraccount' but the Azure connection string "
                        + "is for 'devstoreaccount1'");
    }

    @Test
    void aMalformedConnectionStringIsRefusedWithoutQuotingIt() {
        AzureSettings settings = new AzureSettings(null, "AccountKey=s3cr3t-key-value;nonsense", null, null);

        assertThatThrownBy(() -> new AzureTarget(AzuriteServer.ACCOUNT, server.container(), "", settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the Azure connection string is not valid")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void errorsNameTheBlobAndTheAzureErrorButNoSecret() {
        AzureSettings wrongKey = new AzureSettings(server.endpoint(), null, null,
                java.util.Base64.getEncoder().encodeToString("wrong-key".getBytes()));
        try (BackupTarget missingContainer = new AzureTarget(AzuriteServer.ACCOUNT, "no-such-container", "", server.settings());
                BackupTarget unauthorized = new AzureTarget(AzuriteServer.ACCOUNT, server.container(), "p", wrongKey)) {
            assertThatThrownBy(() -> missingContainer.put("x", new byte[] {1}))
                    .isInstanceOf(IOException.class)
                    .hasMessage("Azure put of az://devstoreaccount1/no-such-container/x failed: ContainerNotFound (HTTP 404)");
            assertThatThrownBy(() -> missingContainer.open("x"))
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("ContainerNotFound");
            assertThatThrownBy(() -> unauthorized.list("wal/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("az://devstoreaccount1/halite/p/wal/")
                    .hasMessageContaining("AuthorizationFailure")
                    .hasMessageNotContaining(wrongKey.accountKey());
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
