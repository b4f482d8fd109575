package io.halite.backup.target;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;

/**
 * An object's content as a cloud SDK streams it, failing with IOException also where the SDK fails unchecked (a
 * checksum mismatch, a connection lost mid-read), so that readers handle one kind of failure.
 */
final class CheckedStream<E extends RuntimeException> extends FilterInputStream {
    private final Class<E> unchecked;
    private final Function<E, IOException> failure;

    CheckedStream(InputStream in, Class<E> unchecked, Function<E, IOException> failure) {
        super(in);
        this.unchecked = unchecked;
        this.failure = failure;
    }

    @Override
    public int read() throws IOException {
        try {
            return in.read();
        } catch (RuntimeException e) {
            throw checked(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (RuntimeException e) {
            throw checked(e);
        }
    }

    private IOException checked(RuntimeException e) {
        if (unchecked.isInstance(e)) return failure.apply(unchecked.cast(e));
        throw e;
    }
}
