package io.turnout.engine.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 in lowercase hex, one-shot or streaming. Tests compare digests rather than bodies so
 * that a 64 MiB body never has to sit in memory twice.
 */
public final class Digests {

    private Digests() {
    }

    /** A fresh SHA-256 digest; every JDK ships it, so absence is an internal error. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    /** Digests the stream to its end without holding it in memory. */
    public static String sha256Hex(InputStream in) {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hex(digest.digest());
    }

    /** Finishes the digest (resetting it) and returns its hex form. */
    public static String hex(MessageDigest digest) {
        return hex(digest.digest());
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static Sha256Sink sha256Sink() {
        return new Sha256Sink();
    }

    /** An output stream that keeps only a running SHA-256 and a byte count of what was written. */
    public static final class Sha256Sink extends OutputStream {
        private final MessageDigest digest = sha256();
        private long count;

        @Override
        public void write(int b) {
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }

        public long count() {
            return count;
        }

        /** The hex digest of everything written so far; the sink can keep accepting bytes. */
        public String hex() {
            try {
                return Digests.hex(((MessageDigest) digest.clone()).digest());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
            }
        }
    }
}
