package io.turnout.engine.health;

import java.time.Instant;

/** Something that happened to a version or a server, for {@code GET /events}. */
public record Event(Instant time, Type type, String clusterUuid, String version, String server, String reason) {
    public enum Type { UPGRADE, DELETE, ROLLBACK, EJECTION, PROBE_FAILED, READMISSION }
}
