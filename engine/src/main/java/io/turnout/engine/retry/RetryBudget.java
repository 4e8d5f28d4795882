package io.turnout.engine.retry;

/**
 * Bounds retries so a failing version can never multiply the load on the others (SPEC §3, as
 * Finagle and Envoy do): over the last 10 seconds retries may not exceed 20% of requests, with a
 * floor of a few retries per second. One per selector thread, so it needs no synchronisation.
 */
public final class RetryBudget {
    private static final int SECONDS = 10;
    private static final double RATIO = 0.2;

    private final long[] requests = new long[SECONDS];
    private final long[] retries = new long[SECONDS];
    private final int floorPerSecond;
    private long currentSecond;

    /** @param floorPerSecond retries always allowed per second, whatever the ratio */
    public RetryBudget(int floorPerSecond) {
        this.floorPerSecond = floorPerSecond;
    }

    public void onRequest(long nowNanos) {
        requests[slot(nowNanos)]++;
    }

    /** Takes one retry from the budget; false when the budget is spent. */
    public boolean tryRetry(long nowNanos) {
        int slot = slot(nowNanos);
        long requestSum = 0;
        long retrySum = 0;
        for (int i = 0; i < SECONDS; i++) {
            requestSum += requests[i];
            retrySum += retries[i];
        }
        if (retries[slot] >= floorPerSecond && retrySum >= RATIO * requestSum) {
            return false;
        }
        retries[slot]++;
        return true;
    }

    private int slot(long nowNanos) {
        long second = nowNanos / 1_000_000_000L;
        if (second != currentSecond) {
            long gap = Math.min(SECONDS, second - currentSecond);
            for (long s = 1; s <= gap; s++) {
                int i = (int) Math.floorMod(currentSecond + s, (long) SECONDS);
                requests[i] = 0;
                retries[i] = 0;
            }
            currentSecond = second;
        }
        return (int) Math.floorMod(second, (long) SECONDS);
    }
}
