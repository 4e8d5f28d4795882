package io.turnout.engine.counters;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The failure count of one server, updated by every selector thread without a lock. Whether the
 * server is ejected is not here: that is part of the immutable snapshot, changed only by the
 * single writer.
 */
public final class ServerHealth {
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Set while an ejection or a probe is on its way, so failures do not flood the writer. */
    private final AtomicBoolean ejecting = new AtomicBoolean();

    /** Claims the ejection of this server; false when one is already on its way. */
    public boolean claimEjection() {
        return ejecting.compareAndSet(false, true);
    }

    /** The ejection (or the probing that follows it) is over. */
    public void releaseEjection() {
        ejecting.set(false);
    }

    /** A success; writes the shared counter only when it has to (keeps the cache line clean). */
    public void onSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    public int onFailure() {
        return consecutiveFailures.incrementAndGet();
    }

    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    public void reset() {
        consecutiveFailures.set(0);
    }
}
