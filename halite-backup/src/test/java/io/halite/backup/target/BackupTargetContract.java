package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halite.backup.target.BackupTarget.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link BackupTarget} does; a subclass supplies the target. */
abstract class BackupTargetContract {
    @TempDir
    Path temp;
    BackupTarget target;

    /** A new, empty target. */
    abstract BackupTarget newTarget() throws Exception;

    @BeforeEach
    void openTarget() throws Exception {
        target = newTarget();
    }

    @AfterEach
    void closeTarget() {
        target.close();
    }

    @Test
    void bytesRoundTrip() throws IOException {
        target.put("a", "hello".getBytes(StandardCharsets.UTF_8));
        target.put("empty", new byte[0]);

        assertThat(read("a")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(read("empty")).isEmpty();
        assertThat(target.list("")).containsExactly(new StoredObject("a", 5), new StoredObject("empty", 0));
    }

    @Test
    void fileRoundTrip() throws IOException {
        Path file = Files.write(temp.resolve("small"), "file content".getBytes(StandardCharsets.UTF_8));

        target.put("snapshots/0001/db", file);

        assertThat(read("snapshots/0001/db")).isEqualTo(Files.readAllBytes(file));
    }

    /** Large enough for a multipart upload to S3. */
    @Test
    void largeFileRoundTrip() throws Exception {
        Path file = temp.resolve("large");
        long size = S3Target.MULTIPART_THRESHOLD + (6L << 20) + 123;
        Random random = new Random(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }

        target.put("large", file);

        assertThat(target.list("large")).containsExactly(new StoredObject("large", size));
        try (InputStream in = Files.newInputStream(file)) {
            assertThat(sha256(target.open("large"))).isEqualTo(sha256(in));
        }
    }

    @Test
    void listsByPrefixInNameOrder() throws IOException {
        for (String name : List.of("wal/0010", "wal/0002", "walrus", "wal/0001", "snapshots/0001/db", "wal/sub/0003")) {
            target.put(name, name.getBytes(StandardCharsets.UTF_8));
        }

        assertThat(names("wal/")).containsExactly("wal/0001", "wal/0002", "wal/0010", "wal/sub/0003");
        assertThat(names("wal/000")).containsExactly("wal/0001", "wal/0002");
        assertThat(names("wal")).containsExactly("wal/0001", "wal/0002", "wal/0010", "wal/sub/0003", "walrus");
        assertThat(names("")).containsExactly(
                "snapshots/0001/db", "wal/0001", "wal/0002", "wal/0010", "wal/sub/0003", "walrus");
        assertThat(names("snapshots/0002/")).isEmpty();
        assertThat(names("x")).isEmpty();
        assertThat(target.list("snapshots/")).containsExactly(new StoredObject("snapshots/0001/db", 17));
    }

    @Test
    void openingAMissingObjectNamesIt() {
        assertThatThrownBy(() -> target.open("wal/missing"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("wal/missing");
    }

    @Test
    void deleteIsIdempotent() throws IOException {
        target.put("wal/0001", new byte[] {1});
        target.put("wal/0002", new byte[] {2});

        target.delete("wal/0001");
        target.delete("wal/0001");
        target.delete("never/there");

        assertThat(names("")).containsExactly("wal/0002");
        assertThatThrownBy(() -> target.open("wal/0001")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void refusesInvalidNames() {
        for (String name : List.of("", "/abs", "..", "a/../b", "a//b", "a/", "a\\b", ".hidden", "a/./b", "a/.x.tmp")) {
            assertThatThrownBy(() -> target.put(name, new byte[0])).as(name).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> target.open(name)).as(name).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> target.delete(name)).as(name).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> target.list("../")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void putIfAbsentCreatesButNeverReplaces() throws IOException {
        assertThat(target.putIfAbsent("lease/1", bytes("first"))).isTrue();
        assertThat(target.putIfAbsent("lease/1", bytes("second"))).isFalse();

        assertThat(read("lease/1")).isEqualTo(bytes("first"));
        assertThat(names("")).containsExactly("lease/1");
    }

    /** What a retried request sees when its first attempt was stored but the answer was lost. */
    @Test
    void putIfAbsentFindingItsOwnContentCountsAsCreated() throws IOException {
        target.put("lease/1", bytes("mine"));

        assertThat(target.putIfAbsent("lease/1", bytes("mine"))).isTrue();
        assertThat(target.putIfAbsent("lease/1", bytes("mine, longer"))).isFalse();
        assertThat(read("lease/1")).isEqualTo(bytes("mine"));
    }

    @Test
    void ofWritersRacingToCreateAnObjectExactlyOneWins() throws Exception {
        int writers = 6;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            var ready = new java.util.concurrent.CountDownLatch(writers);
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = bytes("writer " + i);
                results.add(pool.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return target.putIfAbsent("lease/2", content);
                }));
            }
            int winners = 0;
            for (var result : results) {
                if (result.get()) winners++;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    byte[] read(String name) throws IOException {
        try (InputStream in = target.open(name)) {
            return in.readAllBytes();
        }
    }

    List<String> names(String prefix) throws IOException {
        return target.list(prefix).stream().map(StoredObject::name).toList();
    }

    static byte[] sha256(InputStream in) throws Exception {
        try (DigestInputStream digest = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
            digest.transferTo(OutputStream.nullOutputStream());
            return digest.getMessageDigest().digest();
        }
    }
}
