package io.halite.backup.target;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.util.HttpClientOptions;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A container of Azure Blob Storage, or a prefix in one. Blobs are block blobs: a small one goes up in one request,
 * a larger one as blocks that a last request commits, so either way the blob appears whole or not at all.
 */
public final class AzureTarget implements BackupTarget {
    /** Storage account names: 3 to 24 lower-case letters and digits. */
    static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    /** Container names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending alphanumeric. */
    static final Pattern CONTAINER = Pattern.compile("(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** For one attempt at a request; a large blob goes up as blocks of BLOCK_BYTES, each its own request. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(60);
    private static final long BLOCK_BYTES = 8L << 20;
    private static final String STORAGE_SCOPE = "https://storage.azure.com/.default";
    /** The signature of a SAS in a URL: never shown in an error message. */
    private static final Pattern SAS_SIGNATURE = Pattern.compile("(?i)(sig=)[^&\\s\"']+");

    private final String account;
    private final String containerName;
    /** "" or the prefix with a trailing '/'. */
    private final String prefix;
    private final BlobContainerClient container;

    /**
     * Connects to {@code container} of storage account {@code account}. Credentials that cannot work (a connection
     * string for another account; no credential DefaultAzureCredential can find) are refused here, naming what is
     * missing, so that a node does not start without a working backup.
     */
    public AzureTarget(String account, String container, String prefix, AzureSettings settings) {
        if (!ACCOUNT.matcher(account).matches()) {
            throw new IllegalArgumentException("'" + account + "' is not an Azure storage account name (3 to 24 "
                    + "lower-case letters and digits)");
        }
        if (!CONTAINER.matcher(container).matches()) {
            throw new IllegalArgumentException("'" + container + "' is not an Azure container name (3 to 63 "
                    + "lower-case letters, digits and single hyphens)");
        }
        this.account = account;
        this.containerName = container;
        this.prefix = prefix.isEmpty() ? "" : ObjectNames.check(prefix) + "/";
        BlobServiceClient service = client(account, settings);
        if (!account.equals(service.getAccountName())) {
            throw new IllegalArgumentException("the backup URL names storage account '" + account + "' but the Azure "
                    + (settings.connectionString() != null ? "connection string" : "endpoint") + " is for '"
                    + service.getAccountName() + "'");
        }
        this.container = service.getBlobContainerClient(container);
    }

    private static BlobServiceClient client(String account, AzureSettings settings) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .httpClient(HttpClient.createDefault(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT)))
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, TRY_TIMEOUT,
                        Duration.ofMillis(500), Duration.ofSeconds(4), null));
        if (settings.connectionString() != null) {
            try {
                builder.connectionString(settings.connectionString());
            } catch (IllegalArgumentException e) {
                // The SDK's message may quote the connection string, key included.
                throw new IllegalArgumentException("the Azure connection string is not valid: it needs AccountName "
                        + "and AccountKey or SharedAccessSignature, and BlobEndpoint or DefaultEndpointsProtocol");
            }
        } else {
            builder.endpoint("https://" + account + ".blob.core.windows.net");
        }
        if (settings.endpoint() != null) {
            builder.endpoint(settings.endpoint().toString());
        }
        if (settings.accountKey() != null) {
            builder.credential(new StorageSharedKeyCredential(account, settings.accountKey()));
        } else if (settings.sasToken() != null) {
            builder.sasToken(settings.sasToken());
        } else if (settings.connectionString() == null) {
            builder.credential(defaultCredential(account));
        }
        return builder.buildClient();
    }

    /** DefaultAzureCredential, once it has shown that it finds a credential. */
    private static TokenCredential defaultCredential(String account) {
        TokenCredential credential = new DefaultAzureCredentialBuilder().build();
        try {
            credential.getTokenSync(new TokenRequestContext().addScopes(STORAGE_SCOPE));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("no Azure credential for storage account '" + account + "': set "
                    + "HALITE_AZURE_CONNECTION_STRING, HALITE_AZURE_SAS_TOKEN or HALITE_AZURE_ACCOUNT_KEY (or the "
                    + "same with _FILE, naming a file that holds it), or run with a managed identity "
                    + "(DefaultAzureCredential found none: " + firstLine(e.getMessage()) + ")");
        }
        return credential;
    }

    @Override
    public void put(String name, Path file) throws IOException {
        BlobClient blob = blob(name);
        BlobUploadFromFileOptions options = new BlobUploadFromFileOptions(file.toString())
                .setParallelTransferOptions(blocks());
        call("put", name, () -> blob.uploadFromFileWithResponse(options, null, Context.NONE));
    }

    @Override
    public void put(String name, byte[] content) throws IOException {
        BlobClient blob = blob(name);
        BlobParallelUploadOptions options = new BlobParallelUploadOptions(BinaryData.fromBytes(content))
                .setParallelTransferOptions(blocks());
        call("put", name, () -> blob.uploadWithResponse(options, null, Context.NONE));
    }

    private static ParallelTransferOptions blocks() {
        return new ParallelTransferOptions().setBlockSizeLong(BLOCK_BYTES).setMaxSingleUploadSizeLong(BLOCK_BYTES)
                .setMaxConcurrency(2);
    }

    @Override
    public InputStream open(String name) throws IOException {
        BlobClient blob = blob(name);
        try {
            return new CheckedStream<>(blob.openInputStream(), RuntimeException.class, e -> failure("get", name, e));
        } catch (BlobStorageException e) {
            if (e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND) throw new NoSuchFileException(describe(name));
            throw failure("get", name, e);
        } catch (RuntimeException e) {
            throw failure("get", name, e);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        String blobPrefix = this.prefix + ObjectNames.checkPrefix(prefix);
        List<StoredObject> objects = new ArrayList<>();
        try {
            for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(blobPrefix), null)) {
                objects.add(new StoredObject(item.getName().substring(this.prefix.length()),
                        item.getProperties().getContentLength()));
            }
        } catch (RuntimeException e) {
            throw failure("list", prefix, e);
        }
        objects.sort(Comparator.comparing(StoredObject::name));
        return objects;
    }

    @Override
    public void delete(String name) throws IOException {
        BlobClient blob = blob(name);
        call("delete", name, blob::deleteIfExists);
    }

    /** An upload conditional on the blob's absence: {@code If-None-Match: *}. */
    @Override
    public boolean putIfAbsent(String name, byte[] content) throws IOException {
        BlobClient blob = blob(name);
        BlobParallelUploadOptions options = new BlobParallelUploadOptions(BinaryData.fromBytes(content))
                .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
        try {
            blob.uploadWithResponse(options, null, Context.NONE);
            return true;
        } catch (BlobStorageException e) {
            // 409 BlobAlreadyExists, or 412 (the condition failed).
            if (e.getStatusCode() == 409 || e.getStatusCode() == 412) return hasContent(name, content);
            throw failure("put", name, e);
        } catch (RuntimeException e) {
            throw failure("put", name, e);
        }
    }

    @Override
    public String describe() {
        return "az://" + account + "/" + containerName + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    private String describe(String name) {
        return "az://" + account + "/" + containerName + "/" + prefix + name;
    }

    @Override
    public void close() {
        // The SDK's clients hold no resources of their own: the shared HttpClient closes its idle connections.
    }

    private BlobClient blob(String name) {
        return container.getBlobClient(prefix + ObjectNames.check(name));
    }

    private <T> T call(String operation, String name, Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw failure(operation, name, e);
        }
    }

    /**
     * An error naming the blob and Azure's error code. The SDK's own message is a multi-line dump of the response;
     * its first line is enough, with any SAS signature removed.
     */
    private IOException failure(String operation, String name, RuntimeException e) {
        String detail = e instanceof BlobStorageException s
                ? (s.getErrorCode() == null ? "HTTP " + s.getStatusCode() : s.getErrorCode() + " (HTTP " + s.getStatusCode() + ")")
                : firstLine(e.getMessage() == null ? e.toString() : e.getMessage());
        return new IOException("Azure " + operation + " of " + describe(name) + " failed: " + detail, e);
    }

    private static String firstLine(String message) {
        if (message == null) return "";
        String line = message.strip().lines().findFirst().orElse("");
        return SAS_SIGNATURE.matcher(line).replaceAll("$1REDACTED");
    }
}
