package io.turnout.admin.takeover;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.StrictJson;
import io.turnout.admin.state.StateFile;
import io.turnout.admin.state.StateFileException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a running Turnout hands to the one taking over (SPEC §11): its clusters in the state
 * file's shape (uuids, order, modes, containers, so SESSION cookies keep working and containers
 * are adopted), the GRADUAL counters, the proxy port it serves, and the state file it writes.
 * Ejections are not handed over: they start fresh.
 *
 * <pre>{"turnoutHandover": 1, "proxyPort": 1235, "stateFile": "/path" or null,
 *  "state": {"turnoutState": 1, "clusters": [...]}, "gradualRouted": {"uuid": 42}}</pre>
 */
public record HandoverState(int proxyPort, Path stateFile, List<ClusterSpec> clusters, Map<String, Long> gradualRouted) {
    private static final int FORMAT = 1;

    public HandoverState {
        clusters = List.copyOf(clusters);
        gradualRouted = Map.copyOf(gradualRouted);
    }

    static String toJson(int proxyPort, Path stateFile, JSONObject state, Map<String, Long> gradualRouted) {
        JSONObject root = new JSONObject();
        root.put("turnoutHandover", FORMAT);
        root.put("proxyPort", proxyPort);
        root.put("stateFile", stateFile == null ? null : stateFile.toString());
        root.put("state", state);
        root.put("gradualRouted", new JSONObject(new HashMap<>(gradualRouted)));
        return JSON.toJSONString(root, com.alibaba.fastjson2.JSONWriter.Feature.WriteNulls);
    }

    /** @throws TakeoverFailure naming what the running Turnout sent that cannot be used */
    static HandoverState parse(String text) {
        Object root;
        try {
            root = StrictJson.parse(text, null);
        } catch (InvalidConfigException e) {
            throw unusable(e.getMessage());
        }
        if (!(root instanceof JSONObject top) || !Integer.valueOf(FORMAT).equals(top.get("turnoutHandover"))) {
            throw unusable("not a Turnout hand-over (format " + FORMAT + ")");
        }
        if (!(top.get("proxyPort") instanceof Integer port)) {
            throw unusable("proxyPort is missing");
        }
        Path stateFile = top.get("stateFile") instanceof String path ? Path.of(path) : null;
        List<ClusterSpec> clusters;
        try {
            clusters = StateFile.fromJson(top.get("state"),
                    detail -> new StateFileException("the hand-over's state: " + detail));
        } catch (StateFileException e) {
            throw unusable(e.getMessage());
        }
        Map<String, Long> routed = new HashMap<>();
        if (top.get("gradualRouted") instanceof JSONObject counters) {
            for (Map.Entry<String, Object> e : counters.entrySet()) {
                if (e.getValue() instanceof Number n) {
                    routed.put(e.getKey(), n.longValue());
                }
            }
        }
        return new HandoverState(port, stateFile, clusters, routed);
    }

    private static TakeoverFailure unusable(String detail) {
        return new TakeoverFailure("the running Turnout sent a hand-over this one cannot use (" + detail
                + "); take over with the same or a newer Turnout");
    }
}
