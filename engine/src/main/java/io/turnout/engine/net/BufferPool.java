package io.turnout.engine.net;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixed-size direct buffers for one selector thread. Only its owner thread acquires and releases,
 * so there is no lock; the counters are published with lazy stores so tests and metrics can read
 * them from other threads. Bounded: when every buffer is in use {@link #acquire()} returns
 * {@code null} and the caller stops reading until one comes back, rather than allocating more.
 */
public final class BufferPool {
    private final int bufferSize;
    private final int maxBuffers;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final AtomicInteger allocated = new AtomicInteger();
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicInteger peakInUse = new AtomicInteger();
    private final AtomicInteger exhausted = new AtomicInteger();

    public BufferPool(int bufferSize, int maxBuffers) {
        this.bufferSize = bufferSize;
        this.maxBuffers = maxBuffers;
    }

    /** A cleared buffer, or {@code null} when the pool is exhausted. */
    public ByteBuffer acquire() {
        ByteBuffer buffer = free.pollFirst();
        if (buffer == null) {
            if (allocated.get() >= maxBuffers) {
                exhausted.lazySet(exhausted.get() + 1);
                return null;
            }
            buffer = ByteBuffer.allocateDirect(bufferSize);
            allocated.lazySet(allocated.get() + 1);
        }
        int used = inUse.get() + 1;
        inUse.lazySet(used);
        if (used > peakInUse.get()) {
            peakInUse.lazySet(used);
        }
        return buffer;
    }

    /**
     * A buffer to start a new exchange with, only when {@code reserve} buffers are available in
     * all, so the exchange can get the rest of what it needs. Otherwise {@code null}: the caller
     * pauses instead of starting work it could not finish.
     */
    public ByteBuffer acquireReserving(int reserve) {
        if (free.size() + (maxBuffers - allocated.get()) < reserve) {
            exhausted.lazySet(exhausted.get() + 1);
            return null;
        }
        return acquire();
    }

    /** Returns a buffer; it must not be used afterwards. Passing {@code null} does nothing. */
    public void release(ByteBuffer buffer) {
        if (buffer == null) {
            return;
        }
        buffer.clear();
        free.offerFirst(buffer); // LIFO: the most recently used buffer is warm in cache
        inUse.lazySet(inUse.get() - 1);
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int allocated() {
        return allocated.get();
    }

    public int inUse() {
        return inUse.get();
    }

    public int peakInUse() {
        return peakInUse.get();
    }

    /** How often an acquire found the pool empty. */
    public int exhaustedCount() {
        return exhausted.get();
    }
}
