package io.turnout.engine.http;

import java.nio.ByteBuffer;
import java.util.zip.Checksum;

/** Feeds a range of a buffer to a checksum without moving the buffer for its other users. */
public final class Checksums {
    private Checksums() {
    }

    /** Updates {@code checksum} with bytes {@code [from, to)} of {@code buf}; allocation free. */
    public static void update(Checksum checksum, ByteBuffer buf, int from, int to) {
        if (to <= from) {
            return;
        }
        int position = buf.position();
        int limit = buf.limit();
        buf.limit(to).position(from);
        checksum.update(buf);
        buf.limit(limit).position(position);
    }
}
