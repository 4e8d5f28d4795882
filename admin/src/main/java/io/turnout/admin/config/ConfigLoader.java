package io.turnout.admin.config;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.tls.TlsConfigException;
import io.turnout.engine.tls.TlsIdentity;
import io.turnout.engine.tls.TlsSettings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the config file of SPEC §1. Every problem, from a missing file to a typo in a key, is one
 * {@link InvalidConfigException} whose message is a single line {@code <file>: <field>: <reason>},
 * for example {@code config.json: proxy.port: required}.
 *
 * <p>Clusters may be given as {@code "cluster": {...}} (one), {@code "clusters": [...]} (several)
 * or both; they are loaded in the order they appear in the file. An element of
 * {@code clusters} may be a cluster object or a GET-style {@code {"cluster": {...}}} wrapper.
 *
 * <p>{@code proxy.tls} names its two files relative to the config file's directory (a config
 * and its certificate move together), and they are read and checked here: a certificate that
 * cannot be served stops the start like any other config error, with one line naming
 * {@code proxy.tls.certificate}, {@code proxy.tls.key} or {@code proxy.tls.protocols}.
 * ({@code stateFile} is older and resolves against the working directory.)
 */
public final class ConfigLoader {
    public static final String DEFAULT_PATH = "./config.json";
    /** A config file is a few kilobytes; anything this large is the wrong file. */
    static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    static final List<String> TOP_KEYS = List.of("proxy", "configService", "dockerHost", "stateFile", "store",
            "rollback", "cluster", "clusters");
    static final List<String> PROXY_KEYS = List.of("port", "hostname", "connectTimeout", "responseTimeout",
            "headTimeout", "bodyTimeout", "idleTimeout", "drainTimeout", "selectorThreads", "maxConnections", "maxRetries", "tls");
    static final List<String> TLS_KEYS = List.of("certificate", "key", "protocols");
    static final List<String> CONFIG_SERVICE_KEYS = List.of("port", "hostname", "token");
    static final List<String> DOCKER_HOST_KEYS = List.of("socket", "ip", "port", "stopContainersOnExit");

    /** SPEC §10: who owns a container in a fleet is not designed yet. */
    public static final String FLEET_CONTAINERS = "Docker-managed clusters are refused while store.etcd is set "
            + "(who starts and stops a container in a fleet is not designed yet); give servers instead";

    /** Upper bound for any timeout, in seconds: a day. */
    private static final long MAX_TIMEOUT_SECONDS = 86_400;

    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws InvalidConfigException with a one-line message naming the file and the field
     */
    public static TurnoutConfig load(Path file) {
        String label = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidConfigException(label, "is a directory; give the config file's path with -configFile");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidConfigException(label, "larger than " + MAX_FILE_BYTES / (1024 * 1024)
                        + " MiB; is this the config file?");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(label, "not found; give the config file's path with -configFile=PATH, "
                    + "or run the demo (see -h)");
        } catch (AccessDeniedException e) {
            throw new InvalidConfigException(label, "permission denied; make the file readable");
        } catch (IOException e) {
            throw new InvalidConfigException(label, "cannot read it (" + oneLine(e.getMessage()) + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException(label, "not UTF-8 text; save the file as UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark some editors write; not part of the JSON
        }
        return parse(text, label, file.toAbsolutePath().getParent());
    }

    /**
     * Validates config text; {@code source} prefixes every message. Relative {@code proxy.tls}
     * paths resolve against the working directory.
     */
    public static TurnoutConfig parse(String text, String source) {
        return parse(text, source, Path.of("").toAbsolutePath());
    }

    /** @param configDir what relative {@code proxy.tls} paths resolve against: the config file's directory */
    static TurnoutConfig parse(String text, String source, Path configDir) {
        try {
            return parse(StrictJson.parse(text, null), source, configDir);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(source, e.getMessage());
        }
    }

    private static TurnoutConfig parse(Object root, String source, Path configDir) {
        if (!(root instanceof JSONObject)) {
            throw new InvalidConfigException(null, "must be a JSON object like {\"proxy\": {\"port\": 1235}, "
                    + "\"configService\": {\"port\": 9090}}, was " + Shown.typeName(root));
        }
        JsonFields top = JsonFields.of(root, "", null);
        top.allowOnly(TOP_KEYS);

        RollbackPolicy rollback = top.has("rollback") ? ClusterJson.parseRollback(top.get("rollback"), "rollback")
                : RollbackPolicy.DEFAULT;
        ProxySettings proxy = proxy(top, rollback, configDir);
        ConfigServiceSpec configService = configService(top);
        if (proxy.port() != 0 && proxy.port() == configService.port()) {
            throw new InvalidConfigException("configService.port", "same as proxy.port (" + proxy.port()
                    + "); choose another port");
        }
        DockerHostSpec dockerHost = dockerHost(top);
        Path stateFile = null;
        String state = top.string("stateFile");
        if (state != null) {
            if (state.isBlank() || state.indexOf('\0') >= 0) {
                throw new InvalidConfigException("stateFile", "must be a file path, like \"./turnout-state.json\"");
            }
            stateFile = Path.of(state);
        }
        EtcdSpec store = EtcdSpec.parse(top);
        if (store != null && stateFile != null) {
            throw new InvalidConfigException("stateFile", "cannot be used with store.etcd: the clusters live in etcd, "
                    + "one source of truth; remove stateFile (or store)");
        }
        return new TurnoutConfig(source, proxy, configService, dockerHost, stateFile, clusters(top, store != null),
                store);
    }

    private static ProxySettings proxy(JsonFields top, RollbackPolicy rollback, Path configDir) {
        if (!top.has("proxy")) {
            throw new InvalidConfigException("proxy", "required, for example \"proxy\": {\"port\": 1235}");
        }
        JsonFields p = top.object("proxy", "{\"port\": 1235}");
        p.allowOnly(PROXY_KEYS);
        int port = (int) p.requiredWhole("port", 0, 65535, "the port clients connect to, for example 1235");
        ProxySettings.Builder b = ProxySettings.builder(port).rollback(rollback);
        String hostname = p.string("hostname");
        if (hostname != null) {
            b.hostname(ClusterJson.host(hostname, p.path("hostname")));
        }
        Duration d;
        if ((d = p.seconds("connectTimeout", false, MAX_TIMEOUT_SECONDS)) != null) {
            b.connectTimeout(d);
        }
        if ((d = p.seconds("responseTimeout", false, MAX_TIMEOUT_SECONDS)) != null) {
            b.responseTimeout(d);
        }
        if ((d = p.seconds("headTimeout", false, MAX_TIMEOUT_SECONDS)) != null) {
            b.headTimeout(d);
        }
        if ((d = p.seconds("bodyTimeout", false, MAX_TIMEOUT_SECONDS)) != null) {
            b.bodyTimeout(d);
        }
        if ((d = p.seconds("idleTimeout", false, MAX_TIMEOUT_SECONDS)) != null) {
            b.idleTimeout(d);
        }
        if ((d = p.seconds("drainTimeout", true, MAX_TIMEOUT_SECONDS)) != null) {
            b.drainTimeout(d);
        }
        Long n;
        if ((n = p.whole("selectorThreads", 0, 1024)) != null) {
            b.selectorThreads(n.intValue());
        }
        if ((n = p.whole("maxConnections", 1, 10_000_000)) != null) {
            b.maxConnections(n.intValue());
        }
        if ((n = p.whole("maxRetries", 0, 10)) != null) {
            b.maxRetries(n.intValue());
        }
        JsonFields tls = p.object("tls", "{\"certificate\": \"chain.pem\", \"key\": \"key.pem\"}");
        if (tls != null) {
            b.tls(tls(tls, configDir));
        }
        return b.build();
    }

    /**
     * {@code proxy.tls} (SPEC §12), with its files read and checked now, so that a certificate that
     * cannot be served (missing, not PEM, a PKCS#1 or encrypted key, a key of another certificate,
     * expired, an unsupported key type) stops the start with one line.
     */
    private static TlsSettings tls(JsonFields t, Path configDir) {
        t.allowOnly(TLS_KEYS);
        Path certificate = tlsFile(t, "certificate", configDir, "a PEM certificate chain, the server's first, like \"chain.pem\"");
        Path key = tlsFile(t, "key", configDir, "the certificate's unencrypted PKCS#8 PEM key, like \"key.pem\"");
        List<String> protocols = null;
        if (t.has("protocols")) {
            protocols = t.strings("protocols");
            if (protocols.isEmpty()) {
                throw new InvalidConfigException(t.path("protocols"), "must list TLSv1.3, TLSv1.2 or both; "
                        + "leave it out for both");
            }
        }
        try {
            TlsSettings settings = new TlsSettings(certificate, key, protocols);
            TlsIdentity.load(settings, Instant.now());
            return settings;
        } catch (TlsConfigException e) {
            throw new InvalidConfigException(t.path(e.field()), e.getMessage());
        }
    }

    /** A required file path; a relative one resolves against the config file's directory. */
    private static Path tlsFile(JsonFields t, String key, Path configDir, String hint) {
        String value = t.requiredString(key, hint);
        if (value.isBlank() || value.indexOf('\0') >= 0) {
            throw new InvalidConfigException(t.path(key), "must be a file path (" + hint + ")");
        }
        return configDir.resolve(value).normalize();
    }

    private static ConfigServiceSpec configService(JsonFields top) {
        if (!top.has("configService")) {
            throw new InvalidConfigException("configService", "required, for example \"configService\": {\"port\": 9090}");
        }
        JsonFields c = top.object("configService", "{\"port\": 9090}");
        c.allowOnly(CONFIG_SERVICE_KEYS);
        int port = (int) c.requiredWhole("port", 0, 65535, "the admin API's port, for example 9090");
        String hostname = c.string("hostname");
        if (hostname != null) {
            ClusterJson.host(hostname, c.path("hostname"));
        }
        String token = c.string("token");
        if (token != null) {
            if (token.isEmpty()) {
                throw new InvalidConfigException(c.path("token"), "must not be empty; leave it out for no token");
            }
            for (int i = 0; i < token.length(); i++) {
                char ch = token.charAt(i);
                if (ch <= 0x20 || ch >= 0x7f) {
                    // RFC 6750 §2.1: a bearer token is visible ASCII, so it fits in one header value.
                    throw new InvalidConfigException(c.path("token"), "must be printable ASCII without spaces");
                }
            }
        }
        return new ConfigServiceSpec(hostname == null ? ConfigServiceSpec.DEFAULT_HOSTNAME : hostname, port, token);
    }

    private static DockerHostSpec dockerHost(JsonFields top) {
        JsonFields d = top.object("dockerHost", "{\"socket\": \"/var/run/docker.sock\"}");
        if (d == null) {
            return null;
        }
        d.allowOnly(DOCKER_HOST_KEYS);
        String socket = d.string("socket");
        String ip = d.string("ip");
        if (socket != null && ip != null) {
            throw new InvalidConfigException(d.path("ip"), "give socket or ip, not both");
        }
        if (socket != null && d.has("port")) {
            throw new InvalidConfigException(d.path("port"), "only allowed with ip");
        }
        if (socket != null && (socket.isBlank() || socket.indexOf('\0') >= 0)) {
            throw new InvalidConfigException(d.path("socket"), "must be a path, like \"/var/run/docker.sock\"");
        }
        int port = 0;
        if (ip != null) {
            ClusterJson.host(ip, d.path("ip"));
            Long p = d.whole("port", 1, 65535);
            port = p == null ? DockerHostSpec.DEFAULT_TCP_PORT : p.intValue();
        } else if (d.has("port")) {
            throw new InvalidConfigException(d.path("port"), "only allowed with ip");
        }
        Boolean stop = d.bool("stopContainersOnExit");
        return new DockerHostSpec(socket, ip, port, stop != null && stop);
    }

    /**
     * {@code cluster} and {@code clusters}, in file order, with uuids unique (ignoring case); in a
     * fleet ({@code store.etcd}) without containers.
     */
    private static List<ClusterSpec> clusters(JsonFields top, boolean fleet) {
        List<ClusterSpec> out = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (String key : top.raw().keySet()) {
            if (key.equals("cluster")) {
                out.add(ClusterJson.parseCluster(top.get("cluster"), "cluster"));
                paths.add("cluster");
            } else if (key.equals("clusters")) {
                JSONArray a = top.array("clusters");
                for (int i = 0; i < a.size(); i++) {
                    String path = Shown.element("clusters", i);
                    Object element = a.get(i);
                    if (element instanceof JSONObject o && o.size() == 1 && o.containsKey("cluster")) {
                        path = path + ".cluster";
                        element = o.get("cluster");
                    }
                    out.add(ClusterJson.parseCluster(element, path));
                    paths.add(path);
                }
            }
        }
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            if (fleet && !out.get(i).containers().isEmpty()) {
                throw new InvalidConfigException(paths.get(i) + ".containers", FLEET_CONTAINERS);
            }
            String uuid = out.get(i).uuid();
            if (uuid != null) {
                String earlier = seen.putIfAbsent(uuid.toLowerCase(Locale.ROOT), paths.get(i));
                if (earlier != null) {
                    throw new InvalidConfigException(paths.get(i) + ".uuid", "same uuid as " + earlier
                            + "; each cluster needs its own");
                }
            }
        }
        return out;
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "I/O error";
        }
        String line = s.replaceAll("\\p{Cntrl}", " ");
        return line.length() > 120 ? line.substring(0, 120) + "..." : line;
    }
}
