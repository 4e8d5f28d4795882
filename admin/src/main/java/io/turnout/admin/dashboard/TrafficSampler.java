package io.turnout.admin.dashboard;

import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps the last minute of traffic as a ring of samples of the cumulative counters, one a second
 * ({@link Dashboard} calls {@link #sample()} on a timer of its own). Shares, rates and per-second
 * series over the last minute are then differences of two samples, worked out when someone asks.
 *
 * <p>This is what keeps {@code /stats} free for the data path: the selector threads bump the
 * counters they always bumped, and nothing else; a sample only sums their LongAdders.
 */
public final class TrafficSampler {
    /** The span of {@code /stats}: the last minute (SPEC §13). */
    public static final int WINDOW_SECONDS = 60;
    /** One sample more than the window's seconds: 61 samples bound 60 one-second intervals. */
    static final int CAPACITY = WINDOW_SECONDS + 1;

    private final Supplier<ClusterSnapshot> snapshots;
    private final LongSupplier clockMillis;
    private final ArrayDeque<TrafficSample> ring = new ArrayDeque<>(CAPACITY);

    /**
     * Takes a first sample at once, so the first second already has a baseline.
     *
     * @param clockMillis milliseconds since the epoch ({@code System::currentTimeMillis}; tests pass their own)
     */
    public TrafficSampler(Supplier<ClusterSnapshot> snapshots, LongSupplier clockMillis) {
        this.snapshots = snapshots;
        this.clockMillis = clockMillis;
        sample();
    }

    /** Records the counters of every live version now, dropping the oldest sample past the window. */
    public void sample() {
        ClusterSnapshot snapshot = snapshots.get();
        Map<String, VersionCounters> versions = new LinkedHashMap<>();
        for (Cluster c : snapshot.clusters()) {
            versions.put(c.uuid(), VersionCounters.of(c));
        }
        TrafficSample sample = new TrafficSample(clockMillis.getAsLong(), versions);
        synchronized (ring) {
            if (ring.size() == CAPACITY) {
                ring.removeFirst();
            }
            ring.addLast(sample);
        }
    }

    /** The samples kept, oldest first. */
    public List<TrafficSample> samples() {
        synchronized (ring) {
            return List.copyOf(ring);
        }
    }
}
