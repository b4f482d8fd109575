package io.halite.backup.target;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Where backups are stored: a directory (local or a network mount), an S3-compatible bucket or an Azure Blob
 * Storage container. Object names are relative to the target's root (the directory, or the bucket or container
 * prefix) and use '/' as separator.
 *
 * <p>Backup objects are written once and never modified: {@code put} is atomic (a reader sees the whole object or
 * none of it, also after a crash mid-write) and durable when it returns. The lease that lets one writer at a time
 * use the target is a sequence of objects, each created with {@link #putIfAbsent}.
 */
public interface BackupTarget extends AutoCloseable {
    /** Stores the content of {@code file} as object {@code name}. */
    void put(String name, Path file) throws IOException;

    /** Stores {@code content} as object {@code name}. */
    void put(String name, byte[] content) throws IOException;

    /**
     * Opens object {@code name} for reading.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such object
     */
    InputStream open(String name) throws IOException;

    /** The objects whose names start with {@code prefix}, sorted by name. */
    List<StoredObject> list(String prefix) throws IOException;

    /** Deletes object {@code name}; deleting an absent object is not an error. */
    void delete(String name) throws IOException;

    /**
     * Stores {@code content} as object {@code name} only if there is no such object: of several writers racing to
     * create it, exactly one succeeds. Returns whether the object now holds this call's content. A request that the
     * client retried (its first attempt was stored but the answer lost) finds the object that attempt created, and
     * that counts as created by this call; so each writer's content must be its own (e.g. carry a random token).
     */
    boolean putIfAbsent(String name, byte[] content) throws IOException;

    /** Whether object {@code name} exists and holds exactly {@code content}. */
    default boolean hasContent(String name, byte[] content) throws IOException {
        try (InputStream in = open(name)) {
            return Arrays.equals(in.readAllBytes(), content);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The target as users name it (e.g. {@code s3://bucket/prefix}), without credentials. */
    String describe();

    @Override
    void close();

    /** An object's name (relative to the target's root) and size in bytes. */
    record StoredObject(String name, long size) {}
}
