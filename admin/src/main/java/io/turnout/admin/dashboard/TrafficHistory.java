package io.turnout.admin.dashboard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run of {@link TrafficSample}s says, interval by interval: for every version seen in any
 * of them (live or since removed), how many responses, failures and 5xx it had and how its latency
 * was spread, in each of the last {@code seconds} intervals. Index {@code seconds - 1} is the
 * latest interval; intervals from before the first sample are empty.
 */
public final class TrafficHistory {
    private final long endMillis;
    private final long[] intervalMillis;
    private final List<VersionHistory> versions;

    private TrafficHistory(long endMillis, long[] intervalMillis, List<VersionHistory> versions) {
        this.endMillis = endMillis;
        this.intervalMillis = intervalMillis;
        this.versions = versions;
    }

    /** The last {@code seconds} intervals of {@code samples} (oldest first, as the sampler keeps them). */
    public static TrafficHistory of(List<TrafficSample> samples, int seconds) {
        int first = Math.max(0, samples.size() - 1 - seconds);
        int offset = seconds - (samples.size() - 1 - first); // empty intervals before the first sample
        long[] intervalMillis = new long[seconds];
        Map<String, VersionHistory> byUuid = new LinkedHashMap<>();
        for (int s = first + 1; s < samples.size(); s++) {
            TrafficSample before = samples.get(s - 1);
            TrafficSample after = samples.get(s);
            int interval = offset + s - first - 1;
            intervalMillis[interval] = after.timeMillis() - before.timeMillis();
            for (VersionCounters now : after.versions().values()) {
                // A version absent before was added in this interval, from zero.
                VersionCounters then = before.versions().getOrDefault(now.uuid(), VersionCounters.zeroLike(now));
                byUuid.computeIfAbsent(now.uuid(), u -> new VersionHistory(now, seconds)).add(interval, then, now);
            }
            // A version absent after was removed: its last moments are lost, which only a sample at
            // the removal could have caught; it stays in the history with what was seen.
            for (VersionCounters then : before.versions().values()) {
                byUuid.computeIfAbsent(then.uuid(), u -> new VersionHistory(then, seconds));
            }
        }
        List<VersionHistory> versions = new ArrayList<>(byUuid.values());
        versions.sort(Comparator.comparingLong(VersionHistory::sequence).reversed());
        long end = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).timeMillis();
        return new TrafficHistory(end, intervalMillis, List.copyOf(versions));
    }

    /** When the latest interval ended, in milliseconds since the epoch. */
    public long endMillis() {
        return endMillis;
    }

    public int seconds() {
        return intervalMillis.length;
    }

    /** Every version seen in the window, the most recently added first. */
    public List<VersionHistory> versions() {
        return versions;
    }

    /** The version with {@code uuid}, or {@code null} if the window never saw it. */
    public VersionHistory version(String uuid) {
        for (VersionHistory v : versions) {
            if (v.uuid().equals(uuid)) {
                return v;
            }
        }
        return null;
    }

    /** Responses of every version over the whole window: the denominator of a share. */
    public long totalResponses() {
        long total = 0;
        for (VersionHistory v : versions) {
            total += v.responses(seconds());
        }
        return total;
    }

    /** How long the last {@code intervals} intervals lasted, in milliseconds. */
    public long millisOfLast(int intervals) {
        long total = 0;
        for (int i = Math.max(0, seconds() - intervals); i < seconds(); i++) {
            total += intervalMillis[i];
        }
        return total;
    }

    /** One version's counts per interval. */
    public static final class VersionHistory {
        private final String uuid;
        private final String version;
        private final long sequence;
        private final long[] responses;
        private final long[] failures;
        private final long[] serverErrors;
        /** Per interval, the cumulative latency bucket counts of that interval's responses. */
        private final long[][] latency;

        VersionHistory(VersionCounters counters, int seconds) {
            this.uuid = counters.uuid();
            this.version = counters.version();
            this.sequence = counters.sequence();
            this.responses = new long[seconds];
            this.failures = new long[seconds];
            this.serverErrors = new long[seconds];
            this.latency = new long[seconds][counters.latency().length];
        }

        void add(int interval, VersionCounters then, VersionCounters now) {
            responses[interval] = now.responses() - then.responses();
            failures[interval] = now.failures() - then.failures();
            serverErrors[interval] = now.serverErrors() - then.serverErrors();
            for (int b = 0; b < now.latency().length; b++) {
                latency[interval][b] = now.latency()[b] - then.latency()[b];
            }
        }

        public String uuid() {
            return uuid;
        }

        public String version() {
            return version;
        }

        /** Insertion order of the version: stable, so the page can give each version a colour. */
        public long sequence() {
            return sequence;
        }

        /** Responses per interval, oldest first. */
        public long[] responsesPerInterval() {
            return responses.clone();
        }

        /** Failed tries per interval, oldest first. */
        public long[] failuresPerInterval() {
            return failures.clone();
        }

        /** Responses over the last {@code intervals} intervals. */
        public long responses(int intervals) {
            return sumOfLast(responses, intervals);
        }

        public long failures(int intervals) {
            return sumOfLast(failures, intervals);
        }

        public long serverErrors(int intervals) {
            return sumOfLast(serverErrors, intervals);
        }

        /** The cumulative latency buckets of the responses of the last {@code intervals} intervals. */
        public long[] latency(int intervals) {
            long[] sum = new long[latency[0].length];
            for (int i = Math.max(0, latency.length - intervals); i < latency.length; i++) {
                for (int b = 0; b < sum.length; b++) {
                    sum[b] += latency[i][b];
                }
            }
            return sum;
        }

        /** The cumulative latency buckets of one interval's responses. */
        public long[] latencyOf(int interval) {
            return latency[interval].clone();
        }

        private static long sumOfLast(long[] values, int intervals) {
            long sum = 0;
            for (int i = Math.max(0, values.length - intervals); i < values.length; i++) {
                sum += values[i];
            }
            return sum;
        }
    }
}
