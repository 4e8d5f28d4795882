package io.turnout.admin.config;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.http.Ascii;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The cluster object of SPEC §1, in and out.
 *
 * <p>In: {@link #parseBody} reads the admin API's {@code PUT /configuration/cluster} body
 * ({@code {"cluster": {...}}}), {@link #parseCluster} the object itself as the config file holds
 * it. Parsing is strict ({@link StrictJson}) and every mistake is an
 * {@link InvalidConfigException} naming the field's path: unknown keys, wrong types, numbers out
 * of range, and options of another mode ({@code sessionTimeout} is for SESSION only).
 * Mode names are accepted in any case ({@code session}) and printed in upper case.
 *
 * <p>Out: {@link #toJson} gives the GET shape of thesis appendix 8 plus what this proxy adds
 * ({@code transitionCounter}, {@code transitionStart}, {@code divergences}, per-server
 * {@code ejected}, {@code containers} with their {@code server} and Docker {@code id}).
 * Those additions are read-only: a PUT body that sets them is refused, while
 * {@link #parseStored} (for the state file) skips them, so GET output reads back as the same
 * cluster with the same uuid; it keeps {@code transitionStart}, so a per-minute ramp goes on
 * across a restart.
 */
public final class ClusterJson {
    static final List<String> BODY_KEYS = List.of("cluster");
    static final List<String> CLUSTER_KEYS = List.of("uuid", "version", "servers", "containers", "upgradeTransition",
            "h2cUpgrade");
    static final List<String> SERVER_KEYS = List.of("hostname", "ip", "port");
    static final List<String> CONTAINER_KEYS = List.of("image", "tag", "portToProxy", "environment", "cmd", "name",
            "networkMode", "readyTimeout");
    static final List<String> TRANSITION_KEYS = List.of("mode", "sessionTimeout", "percentageTransitionPerRequest",
            "percentageTransitionPerMinute", "mirrorUnsafeMethods", "rollback");
    static final List<String> ROLLBACK_KEYS = List.of("consecutiveFailures", "window", "failureRatio");

    /** Fields GET adds that a body may not set. */
    private static final List<String> CLUSTER_READ_ONLY = List.of("transitionCounter", "transitionStart", "divergences");
    private static final List<String> SERVER_READ_ONLY = List.of("ejected");
    private static final List<String> CONTAINER_READ_ONLY = List.of("server", "id");

    private static final String BODY_SHAPE = "{\"cluster\": {...}}";
    /** Cookie-safe and path-safe, so a uuid can travel in {@code dynsoftup=} and in the admin URL. */
    private static final Pattern UUID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%\\[\\]-]{1,253}");
    /** Docker's rule for container names. */
    private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}");
    /** Docker's rule for tags. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9][a-z0-9._/:-]{0,254}");
    private static final int MAX_VERSION_CHARS = 64;
    private static final long MAX_SESSION_TIMEOUT = Integer.MAX_VALUE;

    private ClusterJson() {
    }

    // ---------------------------------------------------------------- parsing

    /** Reads a body as it arrives: UTF-8 bytes (RFC 8259 §8.1), decoded strictly. */
    public static ClusterSpec parseBody(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException("body", "not UTF-8 text; JSON must be sent as UTF-8");
        }
        return parseBody(text);
    }

    /** Reads a {@code PUT /configuration/cluster} body. Errors name {@code body} or the field. */
    public static ClusterSpec parseBody(String body) {
        Object root = StrictJson.parse(body, "body");
        if (!(root instanceof JSONObject)) {
            throw new InvalidConfigException("body", "must be a JSON object like " + BODY_SHAPE + ", was "
                    + Shown.typeName(root));
        }
        JsonFields top = JsonFields.of(root, "", null);
        for (String key : top.raw().keySet()) {
            if (!BODY_KEYS.contains(key)) {
                String hint = CLUSTER_KEYS.contains(key) ? "; wrap the cluster as " + BODY_SHAPE
                        : "; the body is " + BODY_SHAPE;
                throw new InvalidConfigException(top.path(key), "unknown key" + hint);
            }
        }
        if (!top.has("cluster")) {
            throw new InvalidConfigException("cluster", "required; the body is " + BODY_SHAPE);
        }
        return parseCluster(top.get("cluster"), "cluster");
    }

    /** Reads a cluster object (the value inside {@code {"cluster": ...}}); {@code path} prefixes errors. */
    public static ClusterSpec parseCluster(Object value, String path) {
        return cluster(value, path, false);
    }

    /**
     * Reads a cluster object that {@link #toJson} wrote, for the state file: the read-only fields
     * GET adds are skipped instead of refused. Everything else is checked as strictly.
     */
    public static ClusterSpec parseStored(Object value, String path) {
        return cluster(value, path, true);
    }

    /** Reads a {@code rollback} object; missing fields take {@link RollbackPolicy#DEFAULT}'s values. */
    public static RollbackPolicy parseRollback(Object value, String path) {
        JsonFields f = JsonFields.of(value, path, "{\"consecutiveFailures\": 3, \"window\": 20, \"failureRatio\": 0.5}");
        f.allowOnly(ROLLBACK_KEYS);
        RollbackPolicy d = RollbackPolicy.DEFAULT;
        Long consecutive = f.whole("consecutiveFailures", 1, 1000);
        Long window = f.whole("window", 1, 100_000);
        BigDecimal ratio = f.decimal("failureRatio", 0, false, 1, "more than 0 and at most 1");
        return new RollbackPolicy(consecutive == null ? d.consecutiveFailures() : consecutive.intValue(),
                window == null ? d.window() : window.intValue(),
                ratio == null ? d.failureRatio() : ratio.doubleValue());
    }

    private static ClusterSpec cluster(Object value, String path, boolean stored) {
        JsonFields f = JsonFields.of(value, path, "{\"version\": \"1.0\", \"servers\": [...]}");
        allowOnly(f, CLUSTER_KEYS, CLUSTER_READ_ONLY, stored);

        String uuid = f.string("uuid");
        if (uuid != null && !UUID.matcher(uuid).matches()) {
            throw new InvalidConfigException(f.path("uuid"), "must be 1-64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit, was " + Shown.value(uuid) + "; leave it out to generate one");
        }
        String version = version(f);

        TransitionMode mode = TransitionMode.INSTANT;
        long sessionTimeout = 0;
        double perRequest = 0;
        double perMinute = 0;
        boolean mirror = false;
        RollbackPolicy rollback = null;
        JsonFields t = f.object("upgradeTransition", "{\"mode\": \"SESSION\", \"sessionTimeout\": 60}");
        if (t != null) {
            t.allowOnly(TRANSITION_KEYS);
            mode = mode(t);
            if (mode == TransitionMode.SESSION) {
                if (!t.has("sessionTimeout")) {
                    throw new InvalidConfigException(t.path("sessionTimeout"),
                            "required for mode SESSION (seconds, > 0)");
                }
                sessionTimeout = t.whole("sessionTimeout", 1, MAX_SESSION_TIMEOUT);
            }
            if (mode == TransitionMode.GRADUAL) {
                BigDecimal request = t.decimal("percentageTransitionPerRequest", 0, false, 100, "more than 0 and at most 100");
                BigDecimal minute = t.decimal("percentageTransitionPerMinute", 0, false, 100, "more than 0 and at most 100");
                if (request != null && minute != null) {
                    throw new InvalidConfigException(t.path("percentageTransitionPerMinute"),
                            "give percentageTransitionPerRequest or percentageTransitionPerMinute, not both");
                }
                if (request == null && minute == null) {
                    throw new InvalidConfigException(t.path("percentageTransitionPerRequest"),
                            "required for mode GRADUAL (percentage points per request, more than 0 and at most 100),"
                                    + " or give percentageTransitionPerMinute instead");
                }
                perRequest = request != null ? request.doubleValue() : 0;
                perMinute = minute != null ? minute.doubleValue() : 0;
            }
            if (mode == TransitionMode.CONCURRENT) {
                Boolean m = t.bool("mirrorUnsafeMethods");
                mirror = m != null && m;
            }
            onlyFor(t, mode, "sessionTimeout", TransitionMode.SESSION);
            onlyFor(t, mode, "percentageTransitionPerRequest", TransitionMode.GRADUAL);
            onlyFor(t, mode, "percentageTransitionPerMinute", TransitionMode.GRADUAL);
            onlyFor(t, mode, "mirrorUnsafeMethods", TransitionMode.CONCURRENT);
            if (t.has("rollback")) {
                rollback = parseRollback(t.get("rollback"), t.path("rollback"));
            }
        }

        List<ServerSpec> servers = servers(f, stored);
        List<ContainerSpec> containers = containers(f, stored);
        if (servers.isEmpty() && containers.isEmpty()) {
            throw new InvalidConfigException(f.path("servers"),
                    "must list at least one server, like [{\"hostname\": \"127.0.0.1\", \"port\": 8080}] (or give containers)");
        }
        Instant start = stored ? transitionStart(f, perMinute) : null;
        Boolean h2c = f.bool("h2cUpgrade");
        return new ClusterSpec(uuid, version, servers, containers, mode, sessionTimeout, perRequest, perMinute, mirror,
                rollback, start, h2c != null && h2c);
    }

    /** A stored per-minute ramp's start, so that it survives a restart; {@code null} when absent. */
    private static Instant transitionStart(JsonFields f, double perMinute) {
        if (!f.has("transitionStart")) {
            return null;
        }
        if (perMinute == 0) {
            throw new InvalidConfigException(f.path("transitionStart"),
                    "only for mode GRADUAL with percentageTransitionPerMinute");
        }
        String text = f.string("transitionStart");
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidConfigException(f.path("transitionStart"), "must be an ISO-8601 instant such as "
                    + "\"2026-12-01T21:46:02Z\", was " + Shown.value(text));
        }
    }

    private static void allowOnly(JsonFields f, List<String> allowed, List<String> readOnly, boolean stored) {
        for (String key : readOnly) {
            if (f.has(key) && !stored) {
                throw new InvalidConfigException(f.path(key), "read-only (GET shows it); remove it from the body");
            }
        }
        if (stored) {
            List<String> all = new ArrayList<>(allowed);
            all.addAll(readOnly);
            f.allowOnly(all);
        } else {
            f.allowOnly(allowed);
        }
    }

    private static String version(JsonFields f) {
        if (!f.has("version")) {
            return ClusterSpec.DEFAULT_VERSION;
        }
        Object v = f.get("version");
        String path = f.path("version");
        if (v instanceof String s) {
            if (s.isEmpty()) {
                throw new InvalidConfigException(path, "must not be empty; leave it out for the default "
                        + ClusterSpec.DEFAULT_VERSION);
            }
            if (s.length() > MAX_VERSION_CHARS) {
                throw new InvalidConfigException(path, "longer than " + MAX_VERSION_CHARS + " characters");
            }
            for (int i = 0; i < s.length(); i++) {
                if (Ascii.isControl(s.charAt(i))) {
                    throw new InvalidConfigException(path, "must not contain control characters");
                }
            }
            return s;
        }
        if (v instanceof BigDecimal d) {
            // Kept as written where BigDecimal can: 2.50 stays "2.50". Never expand a huge
            // exponent (toPlainString of 1e9999 would build a 10,000-digit string).
            if (d.precision() > MAX_VERSION_CHARS / 2 || d.scale() < -MAX_VERSION_CHARS / 2) {
                throw new InvalidConfigException(path, "number too large for a version; write it as a string");
            }
            return d.toPlainString();
        }
        if (v instanceof Number n) {
            String s = n.toString();
            if (s.length() > MAX_VERSION_CHARS) {
                throw new InvalidConfigException(path, "number too large for a version; write it as a string");
            }
            return s;
        }
        throw new InvalidConfigException(path, "must be a string or a number, was " + Shown.typeName(v));
    }

    private static TransitionMode mode(JsonFields t) {
        String modes = "INSTANT, SESSION, GRADUAL or CONCURRENT";
        if (!t.has("mode")) {
            return TransitionMode.INSTANT;
        }
        Object v = t.get("mode");
        if (!(v instanceof String s)) {
            throw new InvalidConfigException(t.path("mode"), "must be " + modes + ", was " + Shown.value(v));
        }
        for (TransitionMode m : TransitionMode.values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new InvalidConfigException(t.path("mode"), "must be " + modes + ", was " + Shown.value(v));
    }

    private static void onlyFor(JsonFields t, TransitionMode mode, String key, TransitionMode owner) {
        if (mode != owner && t.has(key)) {
            throw new InvalidConfigException(t.path(key), "only allowed with mode " + owner + "; this cluster's mode is "
                    + mode);
        }
    }

    private static List<ServerSpec> servers(JsonFields f, boolean stored) {
        JSONArray a = f.array("servers");
        if (a == null) {
            return List.of();
        }
        List<ServerSpec> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(server(a.get(i), Shown.element(f.path("servers"), i), stored));
        }
        return out;
    }

    static ServerSpec server(Object value, String path, boolean stored) {
        JsonFields s = JsonFields.of(value, path, "{\"hostname\": \"127.0.0.1\", \"port\": 8080}");
        allowOnly(s, SERVER_KEYS, SERVER_READ_ONLY, stored);
        if (s.has("hostname") && s.has("ip")) {
            throw new InvalidConfigException(s.path("ip"), "give hostname or ip, not both");
        }
        String key = s.has("ip") ? "ip" : "hostname";
        String host = s.requiredString(key, "or ip; for example \"127.0.0.1\"");
        host(host, s.path(key));
        int port = (int) s.requiredWhole("port", 1, 65535, "1-65535");
        return new ServerSpec(host, port);
    }

    /** Checks a host name or IP address literal. */
    static String host(String host, String path) {
        if (host.isEmpty()) {
            throw new InvalidConfigException(path, "must not be empty");
        }
        if (!HOST.matcher(host).matches()) {
            throw new InvalidConfigException(path, "must be a host name or IP address, was " + Shown.value(host));
        }
        return host;
    }

    private static List<ContainerSpec> containers(JsonFields f, boolean stored) {
        JSONArray a = f.array("containers");
        if (a == null) {
            return List.of();
        }
        List<ContainerSpec> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(container(a.get(i), Shown.element(f.path("containers"), i), stored));
        }
        return out;
    }

    private static ContainerSpec container(Object value, String path, boolean stored) {
        JsonFields c = JsonFields.of(value, path, "{\"image\": \"nginx\", \"tag\": \"1.27\", \"portToProxy\": 80}");
        allowOnly(c, CONTAINER_KEYS, CONTAINER_READ_ONLY, stored);
        String image = c.requiredString("image", "for example \"nginx\"");
        int lastSlash = image.lastIndexOf('/');
        if (image.indexOf('@') >= 0 || image.indexOf(':', lastSlash + 1) >= 0) {
            throw new InvalidConfigException(c.path("image"), "give the tag in \"tag\", not in the image name");
        }
        if (!IMAGE.matcher(image).matches()) {
            throw new InvalidConfigException(c.path("image"), "must be a Docker image name (lower case letters, digits, "
                    + "'.', '_', '-', '/'), was " + Shown.value(image));
        }
        String tag = c.string("tag");
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new InvalidConfigException(c.path("tag"), "must be a Docker tag (letters, digits, '_', '.', '-'; "
                    + "at most 128), was " + Shown.value(tag));
        }
        int port = (int) c.requiredWhole("portToProxy", 1, 65535, "the container port the application listens on, 1-65535");
        List<String> environment = c.strings("environment");
        for (int i = 0; i < environment.size(); i++) {
            String e = environment.get(i);
            if (e.indexOf('=') <= 0) {
                throw new InvalidConfigException(Shown.element(c.path("environment"), i),
                        "must be \"NAME=value\", was " + Shown.value(e));
            }
        }
        List<String> cmd = c.strings("cmd");
        String name = c.string("name");
        if (name != null && !CONTAINER_NAME.matcher(name).matches()) {
            throw new InvalidConfigException(c.path("name"), "must be 2-128 letters, digits, '_', '.' or '-', "
                    + "starting with a letter or digit, was " + Shown.value(name));
        }
        String network = c.string("networkMode");
        if (network != null && !network.equals(ContainerSpec.HOST) && !network.equals(ContainerSpec.DEFAULT)) {
            throw new InvalidConfigException(c.path("networkMode"), "must be \"host\" or \"default\", was "
                    + Shown.value(network));
        }
        Duration ready = c.seconds("readyTimeout", false, 3600);
        // Only a stored cluster (the state file) may name the container that runs it.
        String id = stored ? c.string("id") : null;
        return new ContainerSpec(image, tag, port, environment, cmd, name, network, ready, id);
    }

    // ---------------------------------------------------------------- writing

    /** {@code {"cluster": {...}}} in the GET shape; see {@link #toJsonObject}. */
    public static String toJson(Cluster cluster, List<ContainerSpec> containers) {
        return JSON.toJSONString(toJsonObject(cluster, containers));
    }

    /** A GET list: {@code [{"cluster": {...}}, ...]} in the order given (the snapshot's: highest version first). */
    public static String toJsonArray(List<Cluster> clusters) {
        return toJsonArray(clusters, uuid -> List.of());
    }

    /** A GET list, with each cluster's containers looked up by uuid. */
    public static String toJsonArray(List<Cluster> clusters, Function<String, List<ContainerSpec>> containersByUuid) {
        JSONArray out = new JSONArray(clusters.size());
        for (Cluster c : clusters) {
            List<ContainerSpec> containers = containersByUuid.apply(c.uuid());
            out.add(toJsonObject(c, containers == null ? List.of() : containers));
        }
        return JSON.toJSONString(out);
    }

    /**
     * The GET shape of thesis appendix 8: {@code servers}, {@code upgradeTransition} ({@code mode};
     * {@code sessionTimeout} for SESSION only; {@code percentageTransitionPerRequest} or
     * {@code percentageTransitionPerMinute} for GRADUAL only; {@code mirrorUnsafeMethods} for
     * CONCURRENT when true; {@code rollback} when the cluster has its own), {@code uuid},
     * {@code version}; then {@code transitionCounter} (GRADUAL), {@code transitionStart} (GRADUAL
     * per minute), {@code divergences} (CONCURRENT) and {@code containers} (when any).
     *
     * <p>A Docker-managed cluster's servers end with one server per container, in container order
     * ({@link ClusterSpec#toCluster(String, List)}); those appear under their container as
     * {@code server}, not in {@code servers}, so the output reads back as the same cluster. Each
     * started container also shows its Docker {@code id}, which the state file keeps for adoption.
     */
    public static JSONObject toJsonObject(Cluster cluster, List<ContainerSpec> containers) {
        List<Server> all = cluster.servers();
        int listed = containers.size() <= all.size() ? all.size() - containers.size() : all.size();
        JSONObject c = new JSONObject();
        JSONArray servers = new JSONArray(listed);
        for (int i = 0; i < listed; i++) {
            servers.add(serverJson(cluster, i));
        }
        c.put("servers", servers);
        c.put("upgradeTransition", transitionJson(cluster.mode(), cluster.sessionTimeoutSeconds(),
                cluster.percentagePerRequest(), cluster.percentagePerMinute(), cluster.mirrorUnsafeMethods(),
                cluster.rollback()));
        c.put("uuid", cluster.uuid());
        c.put("version", cluster.version());
        if (cluster.h2cUpgrade()) {
            c.put("h2cUpgrade", true);
        }
        if (cluster.mode() == TransitionMode.GRADUAL) {
            c.put("transitionCounter", number(cluster.transitionCounter(System.currentTimeMillis())));
        }
        if (cluster.percentagePerMinute() > 0) {
            // The start, not the counter, is what the state file keeps: the ramp goes on across a restart.
            c.put("transitionStart", Instant.ofEpochMilli(cluster.transitionStartMillis()).toString());
        }
        if (cluster.mode() == TransitionMode.CONCURRENT) {
            c.put("divergences", cluster.state().divergences());
        }
        if (!containers.isEmpty()) {
            JSONArray cs = new JSONArray(containers.size());
            for (int i = 0; i < containers.size(); i++) {
                JSONObject cj = containerJson(containers.get(i));
                if (containers.size() <= all.size()) {
                    cj.put("server", serverJson(cluster, listed + i));
                }
                cs.add(cj);
            }
            c.put("containers", cs);
        }
        JSONObject wrapper = new JSONObject();
        wrapper.put("cluster", c);
        return wrapper;
    }

    /** A spec as a {@code PUT /configuration/cluster} body, {@code {"cluster": {...}}}, on one line; for the log. */
    public static String toBodyJson(ClusterSpec spec) {
        JSONObject body = new JSONObject();
        body.put("cluster", toJsonObject(spec));
        return JSON.toJSONString(body);
    }

    /**
     * A spec as JSON that {@link #parseCluster} reads back unchanged (uuid included when set);
     * for the state file and for logging the config.
     */
    public static JSONObject toJsonObject(ClusterSpec spec) {
        JSONObject c = new JSONObject();
        JSONArray servers = new JSONArray(spec.servers().size());
        for (ServerSpec s : spec.servers()) {
            JSONObject sj = new JSONObject();
            sj.put("hostname", s.hostname());
            sj.put("port", s.port());
            servers.add(sj);
        }
        c.put("servers", servers);
        c.put("upgradeTransition", transitionJson(spec.mode(), spec.sessionTimeoutSeconds(),
                spec.percentageTransitionPerRequest(), spec.percentageTransitionPerMinute(), spec.mirrorUnsafeMethods(),
                spec.rollback()));
        if (spec.uuid() != null) {
            c.put("uuid", spec.uuid());
        }
        c.put("version", spec.version());
        if (spec.h2cUpgrade()) {
            c.put("h2cUpgrade", true);
        }
        if (!spec.containers().isEmpty()) {
            JSONArray cs = new JSONArray(spec.containers().size());
            for (ContainerSpec cs1 : spec.containers()) {
                cs.add(containerJson(cs1));
            }
            c.put("containers", cs);
        }
        return c;
    }

    /**
     * {@code upgradeTransition}: {@code mode}; {@code sessionTimeout} for SESSION only;
     * {@code percentageTransitionPerRequest} or {@code percentageTransitionPerMinute} for GRADUAL
     * only; {@code mirrorUnsafeMethods} for CONCURRENT when true; {@code rollback} when the cluster
     * has its own thresholds.
     */
    private static JSONObject transitionJson(TransitionMode mode, long sessionTimeout, double perRequest,
                                             double perMinute, boolean mirrorUnsafeMethods, RollbackPolicy rollback) {
        JSONObject transition = new JSONObject();
        transition.put("mode", mode.name());
        switch (mode) {
            case SESSION -> transition.put("sessionTimeout", sessionTimeout);
            case GRADUAL -> {
                if (perMinute > 0) {
                    transition.put("percentageTransitionPerMinute", number(perMinute));
                } else {
                    transition.put("percentageTransitionPerRequest", number(perRequest));
                }
            }
            case CONCURRENT -> {
                if (mirrorUnsafeMethods) {
                    transition.put("mirrorUnsafeMethods", true);
                }
            }
            default -> { }
        }
        if (rollback != null) {
            transition.put("rollback", rollbackJson(rollback));
        }
        return transition;
    }

    private static JSONObject serverJson(Cluster cluster, int index) {
        Server s = cluster.servers().get(index);
        JSONObject sj = new JSONObject();
        sj.put("hostname", s.hostname());
        sj.put("port", s.port());
        sj.put("ejected", cluster.isEjected(index));
        return sj;
    }

    static JSONObject rollbackJson(RollbackPolicy r) {
        JSONObject rj = new JSONObject();
        rj.put("consecutiveFailures", r.consecutiveFailures());
        rj.put("window", r.window());
        rj.put("failureRatio", number(r.failureRatio()));
        return rj;
    }

    private static JSONObject containerJson(ContainerSpec spec) {
        JSONObject cj = new JSONObject();
        cj.put("image", spec.image());
        cj.put("tag", spec.tag());
        cj.put("portToProxy", spec.portToProxy());
        if (!spec.environment().isEmpty()) {
            cj.put("environment", new JSONArray(spec.environment()));
        }
        if (!spec.cmd().isEmpty()) {
            cj.put("cmd", new JSONArray(spec.cmd()));
        }
        if (spec.name() != null) {
            cj.put("name", spec.name());
        }
        if (spec.hostNetwork()) {
            cj.put("networkMode", ContainerSpec.HOST);
        }
        cj.put("readyTimeout", seconds(spec.readyTimeout()));
        if (spec.id() != null) {
            cj.put("id", spec.id());
        }
        return cj;
    }

    /** Whole values print as integers ({@code 15}, not {@code 15.0}). */
    static Number number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return (long) v;
        }
        return v;
    }

    static Number seconds(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds();
        }
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros();
    }
}
