package io.turnout.admin.dashboard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every live version's counters at one instant.
 *
 * @param timeMillis when, in milliseconds since the epoch
 * @param versions   by uuid, in routing order (newest first)
 */
public record TrafficSample(long timeMillis, Map<String, VersionCounters> versions) {
    public TrafficSample {
        versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    }
}
