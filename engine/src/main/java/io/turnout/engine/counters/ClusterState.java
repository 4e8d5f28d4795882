package io.turnout.engine.counters;

import io.turnout.engine.counters.OutcomeWindow;
import io.turnout.engine.counters.ClusterMetrics;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one version that change on the data path. They are not part of the immutable
 * snapshot: every selector thread updates them without a lock, and a new snapshot of the same
 * cluster shares them.
 */
public final class ClusterState {
    /** Requests routed while this cluster was the newest in GRADUAL mode (SPEC §2 counter). */
    private final AtomicLong gradualRouted = new AtomicLong();
    /**
     * One round-robin position for the whole cluster, not one per selector thread: with a counter
     * per thread, two threads each cycling on their own interleave into an uneven order.
     */
    private final AtomicInteger roundRobin = new AtomicInteger();
    /** Responses logged at INFO; numbered per version, from 0, as the thesis's prototype did. */
    private final AtomicLong responsesLogged = new AtomicLong();
    private final LongAdder divergences = new LongAdder();
    private final ClusterMetrics metrics = new ClusterMetrics();
    private final AtomicReference<OutcomeWindow> outcomes = new AtomicReference<>();

    /**
     * Counts one routed request toward the GRADUAL transition counter, stopping once it is full
     * so the hot path stops writing a shared cache line after the transition is complete.
     */
    public void countGradualRequest(double percentagePerRequest) {
        long routed = gradualRouted.get();
        if (routed * percentagePerRequest < 100.0) {
            gradualRouted.incrementAndGet();
        }
    }

    /** The GRADUAL transition counter, 0..100. */
    public double transitionCounter(double percentagePerRequest) {
        return Math.min(100.0, gradualRouted.get() * percentagePerRequest);
    }

    /** Requests counted toward the GRADUAL counter: what a takeover hands to the next process. */
    public long gradualRouted() {
        return gradualRouted.get();
    }

    /** Continues a GRADUAL transition another process began (SPEC §11 takeover). */
    public void continueGradual(long routed) {
        gradualRouted.set(routed);
    }

    /** Where the next request starts its round over the servers (SPEC §2). */
    public int nextRoundRobin() {
        return roundRobin.getAndIncrement();
    }

    /** The number of the next {@code Serving response N} line of this version; only called at INFO. */
    public long nextResponseNumber() {
        return responsesLogged.getAndIncrement();
    }

    public ClusterMetrics metrics() {
        return metrics;
    }

    /** The rollback window, made on first use with the size the cluster's policy gives. */
    public OutcomeWindow outcomes(int size) {
        OutcomeWindow window = outcomes.get();
        if (window == null) {
            outcomes.compareAndSet(null, new OutcomeWindow(size));
            window = outcomes.get();
        }
        return window;
    }

    /**
     * The rollback window as it is, or {@code null} before its first outcome. For readers such as
     * the dashboard, which must not create it (only the health monitor knows its size).
     */
    public OutcomeWindow outcomesSoFar() {
        return outcomes.get();
    }

    public void countDivergence() {
        divergences.increment();
    }

    public long divergences() {
        return divergences.sum();
    }
}
