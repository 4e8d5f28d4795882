package io.turnout.engine.testsupport;

import java.io.InputStream;

/**
 * A deterministic pseudo-random body of {@code length} bytes: the same (length, seed) always gives
 * the same bytes, however they are read. Backends stream it, clients upload it, and tests compare
 * SHA-256 digests instead of holding 64 MiB in memory.
 *
 * <p>Byte {@code i} is byte {@code i % 8} (little-endian) of SplitMix64's output for word
 * {@code i / 8}, so any position can be computed directly.
 */
public final class GeneratedBody extends InputStream {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long length;
    private final long seed;
    private long position;
    private long wordIndex = -1;
    private long word;

    public GeneratedBody(long length, long seed) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, was " + length);
        }
        this.length = length;
        this.seed = seed;
    }

    /** The whole body in memory; only for sizes a test is happy to hold. */
    public static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new GeneratedBody(length, seed).read(bytes, 0, length);
        return bytes;
    }

    public long length() {
        return length;
    }

    public long remaining() {
        return length - position;
    }

    @Override
    public int read() {
        if (position >= length) {
            return -1;
        }
        return byteAt(position++);
    }

    @Override
    public int read(byte[] target, int offset, int count) {
        if (position >= length) {
            return count == 0 ? 0 : -1;
        }
        int n = (int) Math.min(count, length - position);
        for (int i = 0; i < n; i++) {
            target[offset + i] = (byte) byteAt(position++);
        }
        return n;
    }

    private int byteAt(long index) {
        long w = index >>> 3;
        if (w != wordIndex) {
            wordIndex = w;
            word = mix(seed + (w + 1) * GOLDEN_GAMMA);
        }
        return (int) (word >>> ((index & 7) << 3)) & 0xff;
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
