package io.turnout.engine.route;

/**
 * The GRADUAL bucket of a client (SPEC §2): FNV-1 64-bit (multiply, then xor; not FNV-1a) of its
 * transition uuid's characters, unsigned, mod 100. This matches the prototype, so clients keep
 * their bucket: {@code 952c8557-2088-11e4-87e3-600308a8245e} is bucket 3.
 */
public final class TransitionBucket {
    private static final long OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private TransitionBucket() {
    }

    public static int of(byte[] uuid, int offset, int length) {
        return (int) Long.remainderUnsigned(fnv1(uuid, offset, length), 100);
    }

    /** The FNV-1 64-bit hash itself (multiply by the prime, then xor each byte). */
    public static long fnv1(byte[] bytes, int offset, int length) {
        long hash = OFFSET_BASIS;
        for (int i = offset; i < offset + length; i++) {
            hash *= PRIME;
            hash ^= bytes[i] & 0xff;
        }
        return hash;
    }

    public static int of(String uuid) {
        byte[] bytes = uuid.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return of(bytes, 0, bytes.length);
    }
}
