package io.halite.backup.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every target does, and what one reached over the network does while its server is down. */
abstract class RemoteTargetContract extends BackupTargetContract {
    /** Stops the server; the objects stay for {@link #bringServerBack()}, on the same address. */
    abstract void takeServerDown() throws Exception;

    abstract void bringServerBack() throws Exception;

    @Test
    @Timeout(180)
    void failsWhileTheServerIsDownAndWorksAgainAfter() throws Exception {
        target.put("before", new byte[] {1});
        takeServerDown();
        try {
            assertThatThrownBy(() -> target.put("during", new byte[] {2}))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(target.describe() + "/during");
            assertThatThrownBy(() -> target.open("before"))
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> target.list("")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> target.putIfAbsent("lease/1", new byte[] {3})).isInstanceOf(IOException.class);
        } finally {
            bringServerBack();
        }

        target.put("after", new byte[] {3});
        assertThat(read("before")).containsExactly(1);
        assertThat(names("")).containsExactly("after", "before");
    }
}
