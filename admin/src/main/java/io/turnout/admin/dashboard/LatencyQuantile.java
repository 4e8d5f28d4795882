package io.turnout.admin.dashboard;

import io.turnout.engine.counters.ClusterMetrics;

/**
 * A quantile of the latency histogram of {@link ClusterMetrics}, estimated as Prometheus'
 * {@code histogram_quantile} does: the bucket holding the rank is found, and the value is
 * interpolated linearly inside it. Values in the +Inf bucket are reported as the largest finite
 * bound, since nothing is known above it. The buckets are coarse (1 ms, 2.5 ms, 5 ms, ...), so
 * this says which bucket, not the exact figure.
 */
public final class LatencyQuantile {
    private LatencyQuantile() {
    }

    /**
     * @param cumulative cumulative bucket counts in {@link ClusterMetrics#LATENCY_BUCKETS} order, +Inf last
     * @param q          0..1, for example 0.99
     * @return milliseconds, or {@code NaN} when the histogram is empty
     */
    public static double millis(long[] cumulative, double q) {
        double[] bounds = ClusterMetrics.LATENCY_BUCKETS;
        long total = cumulative[cumulative.length - 1];
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        int i = 0;
        while (i < cumulative.length - 1 && cumulative[i] < rank) {
            i++;
        }
        if (i >= bounds.length) {
            return bounds[bounds.length - 1] * 1000;
        }
        double lower = i == 0 ? 0 : bounds[i - 1];
        long below = i == 0 ? 0 : cumulative[i - 1];
        long inBucket = cumulative[i] - below;
        double fraction = inBucket == 0 ? 1 : (rank - below) / inBucket;
        return (lower + (bounds[i] - lower) * fraction) * 1000;
    }
}
