package io.turnout.engine.net;

/**
 * Something with a deadline, checked by its loop's periodic sweep. A sweep over every connection
 * every {@link SelectorLoop#SWEEP_INTERVAL_NANOS} is cheap (10,000 connections is 10,000 compares)
 * and keeps timeouts out of the per-request path.
 */
abstract class Timed {
    /** {@code System.nanoTime()} deadline; 0 means none. Written only through the methods below. */
    long deadline;
    /** Position in the loop's sweep list, for O(1) removal. */
    int sweepIndex = -1;

    final void deadlineIn(long nanos) {
        deadline = System.nanoTime() + nanos;
    }

    /** When the caller has just read the clock anyway. */
    final void deadlineAt(long nanoTime) {
        deadline = nanoTime;
    }

    final void clearDeadline() {
        deadline = 0;
    }

    abstract void onTimeout(long now);
}
