package io.turnout.admin.dashboard;

import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.health.Event;

/** The JSON of one event, as {@code GET /events} and {@code GET /stats} give it (SPEC §4). */
public final class EventJson {
    private EventJson() {
    }

    /**
     * {@code {"time": ISO-8601, "type": "UPGRADE", "cluster": uuid, "version": ..., "server": ...,
     * "reason": ...}}; absent values are {@code null}, so every event has the same keys once
     * written with {@code WriteNulls}.
     */
    public static JSONObject of(Event e) {
        JSONObject o = new JSONObject();
        o.put("time", e.time().toString());
        o.put("type", e.type().name());
        o.put("cluster", e.clusterUuid());
        o.put("version", e.version());
        o.put("server", e.server());
        o.put("reason", e.reason());
        return o;
    }
}
