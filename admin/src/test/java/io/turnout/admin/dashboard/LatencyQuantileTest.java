package io.turnout.admin.dashboard;

import io.turnout.engine.counters.ClusterMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyQuantileTest {

    /** The cumulative histogram of responses with these latencies, as ClusterMetrics keeps it. */
    private static long[] histogram(long... latencyNanos) {
        ClusterMetrics m = new ClusterMetrics();
        for (long n : latencyNanos) {
            m.onResponse(200, n);
        }
        return m.latencyCumulative();
    }

    @Test
    void anEmptyHistogramHasNoQuantile() {
        assertTrue(Double.isNaN(LatencyQuantile.millis(histogram(), 0.99)));
    }

    @Test
    void theValueIsInterpolatedInsideItsBucketAsPrometheusDoes() {
        // Ten responses in (1 ms, 2.5 ms]: the median is half way through that bucket.
        long[] h = histogram(2_000_000, 2_000_000, 2_000_000, 2_000_000, 2_000_000, 2_000_000, 2_000_000, 2_000_000,
                2_000_000, 2_000_000);
        assertEquals(1.75, LatencyQuantile.millis(h, 0.5), 1e-9);
        assertEquals(2.485, LatencyQuantile.millis(h, 0.99), 1e-9);
    }

    @Test
    void theQuantileFindsTheBucketThatHoldsItsRank() {
        // 98 fast responses and 2 slow ones: p50 is in the first bucket, p99 in the slow one.
        long[] fast = new long[100];
        for (int i = 0; i < 98; i++) {
            fast[i] = 500_000;
        }
        fast[98] = 80_000_000;
        fast[99] = 80_000_000;
        long[] h = histogram(fast);
        assertTrue(LatencyQuantile.millis(h, 0.5) <= 1.0);
        double p99 = LatencyQuantile.millis(h, 0.99);
        assertTrue(p99 > 50 && p99 <= 100, "p99 " + p99 + " in (50 ms, 100 ms]");
    }

    @Test
    void aLatencyPastTheLastBoundIsReportedAsThatBound() {
        assertEquals(10_000, LatencyQuantile.millis(histogram(60_000_000_000L), 0.99), 1e-9);
    }
}
