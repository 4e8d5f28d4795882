package io.turnout.engine.counters;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last {@code size} response outcomes of one cluster, as a ring shared by every selector
 * thread without a lock. Keeps a running failure count so a check costs one read.
 */
public final class OutcomeWindow {
    private final int size;
    private final AtomicIntegerArray slots;
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicInteger failures = new AtomicInteger();

    public OutcomeWindow(int size) {
        this.size = size;
        this.slots = new AtomicIntegerArray(size);
    }

    /** Records one outcome; returns the number of outcomes recorded so far. */
    public long record(boolean failure) {
        long index = recorded.getAndIncrement();
        int value = failure ? 1 : 0;
        int previous = slots.getAndSet((int) (index % size), value);
        if (previous != value) {
            failures.addAndGet(value - previous);
        }
        return index + 1;
    }

    public int size() {
        return size;
    }

    /** Whether at least {@code size} outcomes were seen and the failure share reaches {@code ratio}. */
    public boolean reaches(double ratio) {
        return recorded.get() >= size && failures.get() >= Math.ceil(ratio * size - 1e-9);
    }

    /** Outcomes recorded since the window was made; the window holds the last {@link #size()} of them. */
    public long recorded() {
        return recorded.get();
    }

    public int failures() {
        return failures.get();
    }
}
