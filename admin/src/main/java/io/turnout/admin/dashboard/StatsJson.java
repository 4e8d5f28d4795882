package io.turnout.admin.dashboard;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import com.alibaba.fastjson2.JSONWriter;
import io.turnout.engine.health.Event;
import io.turnout.engine.route.TransitionMode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;

/**
 * The body of {@code GET /stats} (SPEC §13), the page's one source:
 * <pre>
 * {"time": ISO-8601, "windowSeconds": 60,
 *  "versions": [{"uuid", "version", "mode", "servers": [{"hostname", "port", "ejected"}],
 *                "share", "requestsPerSecond", "responses", "failures", "failureRate",
 *                "latencyMillis": {"p50", "p99"}, "transitionCounter" (GRADUAL),
 *                "sessionTimeout" (SESSION), "divergences" (CONCURRENT),
 *                "rollbackGuard": {"failures", "seen", "window", "rollsBackAt"} (the newest of several)}],
 *  "history": {"end": ISO-8601, "seconds": 60,
 *              "versions": [{"uuid", "version", "sequence", "live", "responses": [60], "failures": [60],
 *                            "p99Millis": [60]}]},
 *  "events": [newest first, as GET /events], "rollback": an event or null}
 * </pre>
 * Versions are newest first; {@code history.versions} also holds the versions removed within the
 * window, so a rolled-back version's slice stays in the traffic chart. A figure with nothing to go
 * on is {@code null}.
 */
public final class StatsJson {
    private StatsJson() {
    }

    public static String render(Stats stats) {
        JSONObject out = new JSONObject();
        out.put("time", stats.now().truncatedTo(ChronoUnit.MILLIS).toString());
        out.put("windowSeconds", stats.history().seconds());
        JSONArray versions = new JSONArray();
        Set<String> live = new HashSet<>();
        for (VersionStats v : stats.versions()) {
            versions.add(version(v));
            live.add(v.uuid());
        }
        out.put("versions", versions);
        out.put("history", history(stats.history(), live));
        JSONArray events = new JSONArray(stats.events().size());
        for (Event e : stats.events()) {
            events.add(EventJson.of(e));
        }
        out.put("events", events);
        out.put("rollback", stats.recentRollback() == null ? null : EventJson.of(stats.recentRollback()));
        return JSON.toJSONString(out, JSONWriter.Feature.WriteNulls);
    }

    private static JSONObject version(VersionStats v) {
        JSONObject o = new JSONObject();
        o.put("uuid", v.uuid());
        o.put("version", v.version());
        o.put("mode", v.mode().name());
        o.put("sequence", v.sequence());
        JSONArray servers = new JSONArray(v.servers().size());
        for (VersionStats.ServerState s : v.servers()) {
            JSONObject server = new JSONObject();
            server.put("hostname", s.hostname());
            server.put("port", s.port());
            server.put("ejected", s.ejected());
            servers.add(server);
        }
        o.put("servers", servers);
        o.put("share", rounded(v.share(), 4));
        o.put("requestsPerSecond", rounded(v.requestsPerSecond(), 1));
        o.put("responses", v.responses());
        o.put("failures", v.failures());
        o.put("failureRate", rounded(v.failureRate(), 4));
        JSONObject latency = new JSONObject();
        latency.put("p50", rounded(v.p50Millis(), 3));
        latency.put("p99", rounded(v.p99Millis(), 3));
        o.put("latencyMillis", latency);
        if (v.mode() == TransitionMode.GRADUAL) {
            o.put("transitionCounter", rounded(v.transitionCounter(), 2));
        } else if (v.mode() == TransitionMode.SESSION) {
            o.put("sessionTimeout", v.sessionTimeoutSeconds());
        } else if (v.mode() == TransitionMode.CONCURRENT) {
            o.put("divergences", v.divergences());
        }
        if (v.guard() != null) {
            JSONObject guard = new JSONObject();
            guard.put("failures", v.guard().failures());
            guard.put("seen", v.guard().seen());
            guard.put("window", v.guard().window());
            guard.put("rollsBackAt", v.guard().rollsBackAt());
            o.put("rollbackGuard", guard);
        }
        return o;
    }

    private static JSONObject history(TrafficHistory history, Set<String> live) {
        JSONObject out = new JSONObject();
        out.put("end", Instant.ofEpochMilli(history.endMillis()).toString());
        out.put("seconds", history.seconds());
        JSONArray versions = new JSONArray();
        for (TrafficHistory.VersionHistory v : history.versions()) {
            JSONObject o = new JSONObject();
            o.put("uuid", v.uuid());
            o.put("version", v.version());
            o.put("sequence", v.sequence());
            o.put("live", live.contains(v.uuid()));
            o.put("responses", v.responsesPerInterval());
            o.put("failures", v.failuresPerInterval());
            JSONArray p99 = new JSONArray(history.seconds());
            for (int i = 0; i < history.seconds(); i++) {
                p99.add(rounded(LatencyQuantile.millis(v.latencyOf(i), 0.99), 3));
            }
            o.put("p99Millis", p99);
            versions.add(o);
        }
        out.put("versions", versions);
        return out;
    }

    /** {@code value} to {@code digits} decimals, or {@code null} for NaN. */
    static Double rounded(double value, int digits) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return null;
        }
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
