package io.halite.server.cli;

import io.halite.backup.target.AzureSettings;
import io.halite.backup.target.BackupTarget;
import io.halite.backup.target.BackupTargets;
import io.halite.backup.target.S3Settings;
import java.net.URI;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How to reach the stores a backup URL can name. For {@code s3://}: unset values come from the usual AWS
 * environment variables and profiles (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, ...). For
 * {@code az://}: one of the three Azure secrets, from the environment only, or else DefaultAzureCredential.
 */
public final class BackupStorageOptions {
    private static final List<String> AZURE_SECRETS =
            List.of("--azure-connection-string", "--azure-sas-token", "--azure-account-key");
    /** Options whose values are secrets: never logged, and also read from a file (see {@link EnvironmentOptions}). */
    static final Set<String> SECRET_OPTIONS = Set.of("--s3-access-key", "--s3-secret-key", "--azure-connection-string",
            "--azure-sas-token", "--azure-account-key");

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3 API endpoint for S3-compatible storage (MinIO, Ceph, R2, ...); default: AWS.")
    URI endpoint;

    @Option(names = "--s3-region", description = "S3 region (default: AWS_REGION, else us-east-1).")
    String region;

    @Option(names = "--s3-path-style", description = "Address buckets as endpoint/bucket rather than bucket.endpoint (most S3-compatible servers need this).")
    boolean pathStyle;

    @Option(names = "--s3-access-key", description = "S3 access key id (default: AWS_ACCESS_KEY_ID or the AWS profile).")
    String accessKey;

    @Option(names = "--s3-secret-key", description = "S3 secret access key (default: AWS_SECRET_ACCESS_KEY or the AWS profile).")
    String secretKey;

    @Option(names = "--s3-ca-cert", paramLabel = "FILE",
            description = "PEM CA certificates that sign an https:// --s3-endpoint's certificate (default: the JDK's CAs).")
    java.nio.file.Path caCert;

    @Option(names = "--azure-endpoint", paramLabel = "URL",
            description = "Azure blob service URL of the storage account, for Azurite (http://127.0.0.1:10000/devstoreaccount1) or a sovereign cloud (default: https://ACCOUNT.blob.core.windows.net, or the connection string's).")
    URI azureEndpoint;

    @Option(names = "--azure-connection-string", paramLabel = "SECRET",
            description = "Azure storage connection string; only from HALITE_AZURE_CONNECTION_STRING or the file named by HALITE_AZURE_CONNECTION_STRING_FILE, never on the command line.")
    String azureConnectionString;

    @Option(names = "--azure-sas-token", paramLabel = "SECRET",
            description = "Azure shared access signature for the account or container; only from HALITE_AZURE_SAS_TOKEN(_FILE).")
    String azureSasToken;

    @Option(names = "--azure-account-key", paramLabel = "SECRET",
            description = "Azure storage account key; only from HALITE_AZURE_ACCOUNT_KEY(_FILE). With none of the three, the node signs in with DefaultAzureCredential: a managed identity on Container Apps and AKS, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or az login.")
    String azureAccountKey;

    BackupTarget open(URI url) throws java.io.IOException {
        for (String secret : AZURE_SECRETS) {
            if (command.commandLine().getParseResult().hasMatchedOption(secret)) {
                String variable = EnvironmentOptions.variable(command.findOption(secret));
                throw new CommandLine.ParameterException(command.commandLine(), secret + " is a secret: give it in "
                        + variable + " or in a file named by " + variable + "_FILE, not on the command line (where "
                        + "any user of the machine can read it)");
            }
        }
        javax.net.ssl.TrustManager trust = null;
        if (caCert != null) {
            try {
                trust = new io.halite.server.tls.ReloadingTrustManager("--s3-ca-cert", java.util.List.of(caCert),
                        true, false);
            } catch (io.halite.server.tls.TlsFileException e) {
                throw new IllegalArgumentException("--s3-ca-cert: " + e.getMessage());
            }
        }
        return BackupTargets.open(url, new BackupTargets.Settings(
                new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, trust),
                new AzureSettings(azureEndpoint, azureConnectionString, azureSasToken, azureAccountKey)));
    }
}
