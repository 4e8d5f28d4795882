package io.turnout.admin.store;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.StrictJson;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Where a fleet's state lives in etcd (SPEC §10), under the configured prefix:
 * <ul>
 *   <li>{@code <prefix>clusters/<uuid>}: one key per cluster, whose value is
 *       {@code {"cluster": {...}}} in the shape GET and the state file use (its uuid included).
 *       Its insertion order is the revision that created the key, which every proxy sees alike.</li>
 *   <li>{@code <prefix>rollbacks/<uuid>}: a {@link RollbackNote}, written in the same transaction
 *       that deletes a rolled-back cluster's key, so the other proxies can say who decided it.</li>
 * </ul>
 */
final class ClusterKeys {
    private final String prefix;
    private final String clusters;
    private final String rollbacks;

    ClusterKeys(String prefix) {
        this.prefix = prefix;
        this.clusters = prefix + "clusters/";
        this.rollbacks = prefix + "rollbacks/";
    }

    /** Everything Turnout keeps: watched and read as one range. */
    String prefix() {
        return prefix;
    }

    String clustersPrefix() {
        return clusters;
    }

    String clusterKey(String uuid) {
        return clusters + uuid;
    }

    String rollbackKey(String uuid) {
        return rollbacks + uuid;
    }

    /** The uuid of a cluster key, or {@code null} for any other key. */
    String clusterUuid(String key) {
        return key.startsWith(clusters) && key.length() > clusters.length() ? key.substring(clusters.length()) : null;
    }

    /** The uuid of a rollback note's key, or {@code null} for any other key. */
    String rollbackUuid(String key) {
        return key.startsWith(rollbacks) && key.length() > rollbacks.length() ? key.substring(rollbacks.length()) : null;
    }

    static byte[] encode(ClusterSpec spec) {
        JSONObject wrapper = new JSONObject();
        wrapper.put("cluster", ClusterJson.toJsonObject(spec));
        return JSON.toJSONString(wrapper).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a cluster key's value as strictly as a state file.
     *
     * @throws InvalidConfigException naming the key and what is wrong with its value
     */
    ClusterSpec decode(KeyValue kv) {
        String uuid = clusterUuid(kv.key());
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(kv.value())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException(kv.key(), "not UTF-8 text");
        }
        Object root = StrictJson.parse(text, kv.key());
        if (!(root instanceof JSONObject wrapper) || wrapper.size() != 1 || !wrapper.containsKey("cluster")) {
            throw new InvalidConfigException(kv.key(), "must be {\"cluster\": {...}}");
        }
        ClusterSpec spec = ClusterJson.parseStored(wrapper.get("cluster"), kv.key() + " cluster");
        if (spec.uuid() == null || !spec.uuid().equalsIgnoreCase(uuid)) {
            throw new InvalidConfigException(kv.key() + " cluster.uuid", "must be the key's uuid " + uuid);
        }
        return spec.withUuid(uuid);
    }
}
