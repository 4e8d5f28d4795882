package io.turnout.engine.net;

import io.turnout.engine.http.ChunkScanner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * Bytes read from one channel on their way to its peer, in a pooled direct buffer. The buffer is
 * in drain mode between events: {@code [position, limit)} holds bytes read and not yet consumed,
 * {@code [position, sendEnd)} those already framed as part of the current message and waiting to
 * be written, and from {@code keepFrom} on, bytes already written but kept so the message can be
 * sent again. This class is the only place that moves bytes within the buffer, so every offset is
 * corrected in one place.
 */
final class RelayBuffer {
    private final BufferPool pool;
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private ByteBuffer buf;
    private int sendEnd;
    private int keepFrom = -1;

    RelayBuffer(BufferPool pool) {
        this.pool = pool;
    }

    /** Takes a buffer from the pool if this has none; false when the pool is empty. */
    boolean acquire(int reserving) {
        if (buf == null) {
            buf = reserving > 0 ? pool.acquireReserving(reserving) : pool.acquire();
            if (buf == null) {
                return false;
            }
            buf.flip();
            sendEnd = 0;
            keepFrom = -1;
        }
        return true;
    }

    /** Takes over a buffer in drain mode that someone else filled; nothing of it is framed yet. */
    void adopt(ByteBuffer filled) {
        release();
        buf = filled;
        sendEnd = filled.position();
        keepFrom = -1;
    }

    /** Gives the buffer, in drain mode, to someone who will {@link #adopt} it. */
    ByteBuffer detach() {
        ByteBuffer taken = buf;
        buf = null;
        sendEnd = 0;
        keepFrom = -1;
        return taken;
    }

    void release() {
        if (buf != null) {
            pool.release(buf);
            buf = null;
        }
        sendEnd = 0;
        keepFrom = -1;
    }

    boolean isHeld() {
        return buf != null;
    }

    /** The buffer itself, for parsers and framers; valid until the next {@link #readFrom}. */
    ByteBuffer bytes() {
        return buf;
    }

    /**
     * Reads what {@code channel} has into the free space after the unread bytes. Bytes move to
     * the front only when the end of the buffer is reached, or for free when nothing is unread
     * and nothing is kept; kept bytes are given up only when they fill the whole buffer.
     * Returns the bytes read, or -1 at end of stream.
     */
    int readFrom(ReadableByteChannel channel) throws IOException {
        if (buf.limit() == buf.capacity() || (keepFrom < 0 && !buf.hasRemaining())) {
            compact();
        }
        int position = buf.position();
        buf.position(buf.limit()).limit(buf.capacity());
        int n;
        try {
            n = channel.read(buf);
        } finally {
            buf.limit(buf.position()).position(position);
        }
        return n;
    }

    /**
     * {@link #readFrom}, for an upstream: a reset ends the stream like a close does, since both
     * leave a response only as complete as it already is. Returns the bytes read or -1.
     */
    int readUntilEnd(ReadableByteChannel channel) {
        try {
            return readFrom(channel);
        } catch (IOException e) {
            return -1;
        }
    }

    private void compact() {
        if (keepFrom == 0) {
            keepFrom = -1; // the kept bytes already start the buffer: only giving them up frees room
        }
        int from = keepFrom > 0 ? keepFrom : buf.position();
        int position = buf.position() - from;
        buf.position(from);
        buf.compact().flip().position(position);
        sendEnd = Math.max(buf.position(), sendEnd - from);
        if (keepFrom > 0) {
            keepFrom = 0;
        }
    }

    /** Reads and drops what {@code channel} has (a connection on its way out). Returns -1 at its end. */
    int discardFrom(ReadableByteChannel channel) throws IOException {
        buf.clear();
        try {
            return channel.read(buf);
        } finally {
            buf.clear().flip();
            sendEnd = 0;
            keepFrom = -1;
        }
    }

    /**
     * Frames the next bytes of a chunked body as their chunk data alone, moving the data over the
     * chunk framing (sizes, extensions, CRLFs, trailers) and the unread rest after it, so the
     * framed bytes are the decoded body. For HTTP/1.0 clients only (RFC 9112 §6.1): the one place
     * a body is re-encoded. Returns false for a malformed body.
     */
    boolean frameDechunked(ChunkScanner chunks) {
        int read = sendEnd;
        int write = sendEnd;
        int limit = buf.limit();
        while (read < limit && !chunks.isDone()) {
            long data = chunks.dataRemaining();
            int take = data > 0 ? (int) Math.min(data, limit - read) : 1;
            if (chunks.scan(buf, read, read + take) == ChunkScanner.ERROR) {
                return false;
            }
            if (data > 0) {
                if (write != read) {
                    buf.put(write, buf, read, take);
                }
                write += take;
            }
            read += take;
        }
        if (write != read) {
            buf.put(write, buf, read, limit - read);
            buf.limit(limit - (read - write));
        }
        sendEnd = write;
        return true;
    }

    /** Frames bytes up to {@code end} as part of the message being relayed. */
    void framedTo(int end) {
        sendEnd = end;
    }

    int sendEnd() {
        return sendEnd;
    }

    /** Framed bytes not yet written. */
    boolean hasPending() {
        return buf != null && buf.position() < sendEnd;
    }

    /** Keeps the bytes from the current position on for a replay, even once written. */
    void keepFromHere() {
        keepFrom = buf.position();
    }

    void dropKept() {
        keepFrom = -1;
    }

    /** Whether the kept bytes are still there, to be sent again from {@link #rewind}. */
    boolean hasKept() {
        return keepFrom >= 0;
    }

    /** Moves back to the kept bytes: everything from there on is unread again. */
    void rewind() {
        buf.position(keepFrom);
        sendEnd = keepFrom;
    }

    /** Consumes the unread bytes up to {@code index} without writing them. */
    void skipTo(int index) {
        buf.position(index);
        sendEnd = Math.max(sendEnd, index);
    }

    /**
     * Writes what remains of a rewritten {@code head} and the framed bytes in one gathering
     * write: one syscall for head and body. Returns the bytes written.
     */
    long writeTo(GatheringByteChannel channel, ByteBuffer head) throws IOException {
        boolean withHead = head != null && head.hasRemaining();
        if (buf == null) {
            return withHead ? channel.write(head) : 0;
        }
        int limit = buf.limit();
        buf.limit(sendEnd);
        try {
            if (withHead) {
                gather[0] = head;
                gather[1] = buf;
                return channel.write(gather);
            }
            return channel.write(buf);
        } finally {
            buf.limit(limit);
            gather[0] = null;
            gather[1] = null;
        }
    }
}
