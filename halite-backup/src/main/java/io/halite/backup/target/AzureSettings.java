package io.halite.backup.target;

import java.net.URI;

/**
 * How to reach Azure Blob Storage, for {@code az://} backup URLs. At most one of the three secrets is given; with
 * none, the node authenticates as whatever {@code DefaultAzureCredential} finds (a managed identity on Container
 * Apps and AKS, a workload identity, AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID, a developer's az login).
 *
 * @param endpoint         the account's blob service URL, for Azurite ({@code http://127.0.0.1:10000/devstoreaccount1})
 *                         or a sovereign cloud; null: {@code https://ACCOUNT.blob.core.windows.net}, or the
 *                         connection string's
 * @param connectionString a storage connection string (account name and key, or a SAS, and possibly the endpoint)
 * @param sasToken         a shared access signature for the account or the container
 * @param accountKey       the storage account's access key
 */
public record AzureSettings(URI endpoint, String connectionString, String sasToken, String accountKey) {
    /** No endpoint override and no secret: DefaultAzureCredential against Azure's public cloud. */
    public static final AzureSettings DEFAULT = new AzureSettings(null, null, null, null);

    public AzureSettings {
        int secrets = (connectionString == null ? 0 : 1) + (sasToken == null ? 0 : 1) + (accountKey == null ? 0 : 1);
        if (secrets > 1) {
            throw new IllegalArgumentException(
                    "give one Azure credential: a connection string, a SAS token or an account key, not several");
        }
    }

    /** Which credential is used, by kind, without its value. */
    String credentialKind() {
        if (connectionString != null) return "a connection string";
        if (sasToken != null) return "a SAS token";
        if (accountKey != null) return "an account key";
        return "DefaultAzureCredential";
    }

    /** Without the secrets, so that the settings can be logged. */
    @Override
    public String toString() {
        return "AzureSettings[endpoint=" + endpoint + ", credential=" + credentialKind() + "]";
    }
}
