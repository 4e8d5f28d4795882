package io.turnout.engine.counters;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one version for {@code /metrics}. {@link LongAdder} keeps a cell per contending
 * thread and sums them on scrape, so the selector threads never contend on a lock or a shared
 * counter line.
 */
public final class ClusterMetrics {
    /** Upper bounds of the latency histogram, in seconds (Prometheus {@code le}). */
    public static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final long[] BUCKET_NANOS = new long[LATENCY_BUCKETS.length];

    static {
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            BUCKET_NANOS[i] = (long) (LATENCY_BUCKETS[i] * 1e9);
        }
    }

    private final LongAdder requests = new LongAdder();
    private final LongAdder[] responsesByClass = adders(6);
    private final LongAdder upstreamFailures = new LongAdder();
    private final LongAdder retries = new LongAdder();
    /** Non-cumulative counts per bucket, plus one for +Inf; made cumulative on scrape. */
    private final LongAdder[] latency = adders(LATENCY_BUCKETS.length + 1);
    private final LongAdder latencySumNanos = new LongAdder();

    private static LongAdder[] adders(int n) {
        LongAdder[] result = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            result[i] = new LongAdder();
        }
        return result;
    }

    /** One response relayed to a client: its status and the time since the request head arrived. */
    public void onResponse(int status, long latencyNanos) {
        requests.increment();
        int statusClass = status / 100;
        responsesByClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment();
        int bucket = 0;
        while (bucket < BUCKET_NANOS.length && latencyNanos > BUCKET_NANOS[bucket]) {
            bucket++;
        }
        latency[bucket].increment();
        latencySumNanos.add(latencyNanos);
    }

    public void onUpstreamFailure() {
        upstreamFailures.increment();
    }

    public void onRetry() {
        retries.increment();
    }

    public long requests() {
        return requests.sum();
    }

    /** Responses with status {@code statusClass}xx (1..5). */
    public long responses(int statusClass) {
        return responsesByClass[statusClass].sum();
    }

    public long upstreamFailures() {
        return upstreamFailures.sum();
    }

    public long retries() {
        return retries.sum();
    }

    /** Cumulative bucket counts, the last one being +Inf. */
    public long[] latencyCumulative() {
        long[] cumulative = new long[latency.length];
        long running = 0;
        for (int i = 0; i < latency.length; i++) {
            running += latency[i].sum();
            cumulative[i] = running;
        }
        return cumulative;
    }

    public double latencySumSeconds() {
        return latencySumNanos.sum() / 1e9;
    }
}
