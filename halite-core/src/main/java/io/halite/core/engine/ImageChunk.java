package io.halite.core.engine;

/**
 * One piece of a database image that replaces the whole database ({@code /db/load}). Chunks of one load share
 * {@code loadId}; the one marked {@code last} swaps the image in.
 */
public interface ImageChunk {
    long loadId();

    int sequence();

    boolean last();

    byte[] data();
}
