package dev.tandem.core.cid;

import java.io.InputStream;

/**
 * The pseudo-random test files of {@code kubo-vectors.json}, regenerated on the fly: xorshift32 (shifts 13, 17, 5)
 * from {@code seed}, each new state emitted as 4 little-endian bytes, cut at {@code size}. Must stay identical to
 * {@code xorshift32} in {@code core/src/test/vectors/generate.mjs}.
 *
 * <p>Reads return at most {@link #MAX_READ} bytes, an odd size, so that chunking is tested against a stream whose
 * reads do not line up with chunks.
 */
final class Xorshift32 extends InputStream {
    static final int MAX_READ = 10_007;

    private final long size;
    private long position;
    private int state;
    private int word;

    Xorshift32(int seed, long size) {
        this.state = seed;
        this.size = size;
    }

    /** The whole stream in memory, for the small files. */
    static byte[] bytes(int seed, int size) {
        Xorshift32 stream = new Xorshift32(seed, size);
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = (byte) stream.read();
        }
        return out;
    }

    @Override
    public int read() {
        if (position >= size) {
            return -1;
        }
        if ((position & 3) == 0) {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            word = state;
        }
        int b = (word >>> (8 * (int) (position & 3))) & 0xff;
        position++;
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(Math.min(length, size - position), MAX_READ);
        for (int i = 0; i < n; i++) {
            buffer[offset + i] = (byte) read();
        }
        return n;
    }
}
