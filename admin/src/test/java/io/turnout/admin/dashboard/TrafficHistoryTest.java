package io.turnout.admin.dashboard;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TrafficHistoryTest {
    private static final int BUCKETS = 14;

    private static VersionCounters counters(String uuid, long sequence, long responses, long failures) {
        long[] latency = new long[BUCKETS];
        Arrays.fill(latency, responses); // every response under the first bound
        return new VersionCounters(uuid, "v" + sequence, sequence, responses, 0, failures, latency);
    }

    private static TrafficSample at(long second, VersionCounters... versions) {
        Map<String, VersionCounters> map = new LinkedHashMap<>();
        for (VersionCounters v : versions) {
            map.put(v.uuid(), v);
        }
        return new TrafficSample(second * 1000, map);
    }

    @Test
    void eachIntervalIsTheDifferenceOfTwoSamplesAndTheLatestIsLast() {
        TrafficHistory h = TrafficHistory.of(List.of(
                at(0, counters("a", 0, 0, 0)),
                at(1, counters("a", 0, 5, 1)),
                at(2, counters("a", 0, 12, 1))), 4);
        assertArrayEquals(new long[] {0, 0, 5, 7}, h.version("a").responsesPerInterval());
        assertArrayEquals(new long[] {0, 0, 1, 0}, h.version("a").failuresPerInterval());
        assertEquals(12, h.totalResponses());
        assertEquals(2000, h.millisOfLast(4), "the empty intervals before the first sample last nothing");
        assertEquals(2000, h.endMillis());
    }

    @Test
    void aVersionAddedBetweenTwoSamplesStartsFromZero() {
        TrafficHistory h = TrafficHistory.of(List.of(
                at(0, counters("a", 0, 10, 0)),
                at(1, counters("b", 1, 3, 0), counters("a", 0, 15, 0))), 2);
        assertArrayEquals(new long[] {0, 3}, h.version("b").responsesPerInterval());
        assertEquals(List.of("b", "a"), h.versions().stream().map(TrafficHistory.VersionHistory::uuid).toList(),
                "the most recently added first");
    }

    @Test
    void aVersionRemovedInTheWindowStaysWithWhatWasSeenOfIt() {
        TrafficHistory h = TrafficHistory.of(List.of(
                at(0, counters("b", 1, 0, 0), counters("a", 0, 0, 0)),
                at(1, counters("b", 1, 4, 2), counters("a", 0, 6, 0)),
                at(2, counters("a", 0, 16, 0))), 2);
        assertArrayEquals(new long[] {4, 0}, h.version("b").responsesPerInterval());
        assertEquals(4.0 / 20, (double) h.version("b").responses(2) / h.totalResponses(), 1e-9);
    }

    @Test
    void onlyTheLastSecondsAreKeptAndOlderVersionsFallOut() {
        List<TrafficSample> samples = new ArrayList<>();
        samples.add(at(0, counters("old", 0, 0, 0)));
        samples.add(at(1, counters("old", 0, 100, 0)));
        for (int s = 2; s <= 5; s++) {
            samples.add(at(s, counters("new", 1, s, 0)));
        }
        TrafficHistory h = TrafficHistory.of(samples, 3);
        assertNull(h.version("old"), "gone before the window");
        assertArrayEquals(new long[] {1, 1, 1}, h.version("new").responsesPerInterval());
        assertArrayEquals(new long[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, h.version("new").latency(3));
    }

    @Test
    void noSampleIsAnEmptyHistory() {
        TrafficHistory h = TrafficHistory.of(List.of(), 60);
        assertEquals(60, h.seconds());
        assertEquals(0, h.totalResponses());
        assertEquals(List.of(), h.versions());
    }
}
