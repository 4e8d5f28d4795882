package io.turnout.admin.docker;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONException;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.http.BodyLines;
import io.turnout.admin.http.HttpConnection;
import io.turnout.admin.http.HttpResponseReader;
import io.turnout.admin.http.ResponseHead;
import io.turnout.engine.http.Ascii;
import org.tinylog.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A small client of the Docker Engine API: HTTP/1.1 over the unix socket or plain TCP, one
 * connection per call, JSON through fastjson2 (plain {@link JSONObject}s, never autoType).
 * Calls block the caller's thread; the admin layer calls from a worker, never a selector.
 *
 * <p>Every failure is a {@link DockerException} that carries Docker's {@code message} and the
 * HTTP status, or no status when Docker could not be reached.
 */
public final class DockerClient {
    /** Docker 20.10 (Debian 12's docker.io) speaks 1.41; we need nothing newer. */
    static final String MAX_API_VERSION = "1.41";
    /** Labels, filters and PortBindings with an empty HostPort are all there by 1.24 (Docker 1.12). */
    static final String MIN_API_VERSION = "1.24";

    private static final int MAX_JSON_BYTES = 16 * 1024 * 1024;
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final DockerEndpoint endpoint;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final Duration pullIdleTimeout;
    private volatile String apiPrefix;

    public DockerClient(DockerEndpoint endpoint) {
        this(endpoint, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofMinutes(5));
    }

    /**
     * @param idleTimeout     the longest wait for Docker's next bytes on an ordinary call
     * @param pullIdleTimeout the same while an image is pulled (a layer may extract silently)
     */
    public DockerClient(DockerEndpoint endpoint, Duration connectTimeout, Duration idleTimeout,
                        Duration pullIdleTimeout) {
        this.endpoint = endpoint;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.pullIdleTimeout = pullIdleTimeout;
    }

    public DockerEndpoint endpoint() {
        return endpoint;
    }

    /** {@code GET /_ping}; throws unless Docker answers {@code OK}. */
    public void ping() throws DockerException {
        String body = call("GET", "/_ping", null, idleTimeout, "ping Docker");
        if (!"OK".equals(body.trim())) {
            throw new DockerException(200, null, "Docker at " + endpoint + " answered /_ping with "
                    + Ascii.printable(body));
        }
    }

    /** {@code GET /version} (unversioned, so it works whatever the engine's API level). */
    public DockerVersion version() throws DockerException {
        JSONObject v = parseObject(call("GET", "/version", null, idleTimeout, "read Docker's version"));
        return new DockerVersion(v.getString("Version"), v.getString("ApiVersion"), v.getString("MinAPIVersion"),
                v.getString("Os"), v.getString("Arch"));
    }

    /**
     * The API version this client uses: the engine's own, capped at {@link #MAX_API_VERSION}.
     * Negotiated on first use, as the Docker CLI does.
     */
    public String apiVersion() throws DockerException {
        String prefix = apiPrefix;
        if (prefix == null) {
            String server = version().apiVersion();
            if (server == null) {
                throw new DockerException(200, null, "Docker at " + endpoint + " did not say its API version");
            }
            if (compareVersions(server, MIN_API_VERSION) < 0) {
                throw new DockerException(200, null, "Docker at " + endpoint + " speaks API " + server
                        + "; Turnout needs " + MIN_API_VERSION + " or newer");
            }
            String chosen = compareVersions(server, MAX_API_VERSION) < 0 ? server : MAX_API_VERSION;
            prefix = "/v" + chosen;
            apiPrefix = prefix;
            Logger.debug("Docker at {} speaks API {}; using {}", endpoint, server, chosen);
        }
        return prefix.substring(2);
    }

    /** {@code GET /images/{ref}/json}: is the image present locally? */
    public boolean imageExists(String reference) throws DockerException {
        String path = api("/images/" + pathPart(reference) + "/json");
        try (Exchange ex = exchange("GET", path, null, idleTimeout)) {
            if (ex.head.status() == 404) {
                return false;
            }
            ex.readBody(MAX_JSON_BYTES, "inspect image " + reference);
            return true;
        } catch (IOException e) {
            throw transportFailure("inspect image " + reference, e);
        }
    }

    /**
     * {@code POST /images/create?fromImage=..&tag=..}. Docker streams one JSON object per line;
     * each progress line goes to {@code progress}. An {@code error} line fails the pull with
     * Docker's message, even though the HTTP status was 200.
     */
    public void pullImage(String image, String tag, Consumer<PullProgress> progress) throws DockerException {
        String what = "pull image " + image + (tag.isEmpty() ? "" : ":" + tag);
        String path = api("/images/create?fromImage=" + query(image) + (tag.isEmpty() ? "" : "&tag=" + query(tag)));
        try (Exchange ex = exchange("POST", path, new byte[0], pullIdleTimeout)) {
            ex.failUnlessSuccess(what);
            InputStream body = ex.body;
            while (true) {
                String line = BodyLines.next(body, MAX_ERROR_BYTES, "Docker's pull progress");
                if (line == null) {
                    return;
                }
                if (line.isBlank()) {
                    continue;
                }
                JSONObject event;
                try {
                    event = JSON.parseObject(line);
                } catch (JSONException e) {
                    Logger.debug("Ignoring a pull progress line that is not JSON: {}", Ascii.printable(line));
                    continue;
                }
                if (event == null) {
                    continue;
                }
                String error = event.getString("error");
                JSONObject detail = event.getJSONObject("errorDetail");
                if (error == null && detail != null) {
                    error = detail.getString("message");
                }
                if (error != null) {
                    throw new DockerException(ex.head.status(), error, what + ": " + error);
                }
                progress.accept(new PullProgress(stringOr(event.getString("id")), stringOr(event.getString("status")),
                        stringOr(event.getString("progress"))));
            }
        } catch (IOException e) {
            throw transportFailure(what, e);
        }
    }

    /** {@code POST /containers/create}; returns the new container's id. */
    public String createContainer(ContainerCreate spec) throws DockerException {
        JSONObject body = new JSONObject();
        body.put("Image", spec.image());
        if (!spec.env().isEmpty()) {
            body.put("Env", spec.env());
        }
        if (!spec.cmd().isEmpty()) {
            body.put("Cmd", spec.cmd());
        }
        body.put("Labels", new LinkedHashMap<>(spec.labels()));
        String portKey = spec.port() + "/tcp";
        JSONObject exposed = new JSONObject();
        exposed.put(portKey, new JSONObject());
        body.put("ExposedPorts", exposed);
        JSONObject hostConfig = new JSONObject();
        if (spec.hostNetwork()) {
            hostConfig.put("NetworkMode", "host");
        } else {
            // HostPort "" asks Docker for a free port; we read the chosen one back from inspect.
            JSONObject binding = new JSONObject();
            binding.put("HostIp", spec.publishHostIp());
            binding.put("HostPort", "");
            JSONObject bindings = new JSONObject();
            bindings.put(portKey, List.of(binding));
            hostConfig.put("PortBindings", bindings);
        }
        body.put("HostConfig", hostConfig);
        String path = api("/containers/create" + (spec.name() == null ? "" : "?name=" + query(spec.name())));
        String what = "create container from " + spec.image();
        JSONObject created = parseObject(call("POST", path, body.toJSONString().getBytes(StandardCharsets.UTF_8),
                idleTimeout, what));
        String id = created.getString("Id");
        if (id == null || id.isEmpty()) {
            throw new DockerException(201, null, what + ": Docker's answer has no Id");
        }
        JSONArray warnings = created.getJSONArray("Warnings");
        if (warnings != null && !warnings.isEmpty()) {
            Logger.warn("Docker warns about container {}: {}", shortId(id), warnings);
        }
        return id;
    }

    /** {@code POST /containers/{id}/start}; starting a running container is not an error. */
    public void startContainer(String id) throws DockerException {
        call("POST", api("/containers/" + pathPart(id) + "/start"), new byte[0], idleTimeout,
                "start container " + shortId(id));
    }

    /** {@code GET /containers/{id}/json} by id or name; empty when no such container. */
    public Optional<ContainerInfo> inspectContainer(String idOrName) throws DockerException {
        String what = "inspect container " + shortId(idOrName);
        try (Exchange ex = exchange("GET", api("/containers/" + pathPart(idOrName) + "/json"), null, idleTimeout)) {
            if (ex.head.status() == 404) {
                return Optional.empty();
            }
            return Optional.of(toContainerInfo(parseObject(ex.readBody(MAX_JSON_BYTES, what))));
        } catch (IOException e) {
            throw transportFailure(what, e);
        }
    }

    /**
     * {@code POST /containers/{id}/stop?t=..}: SIGTERM (or the image's stop signal), SIGKILL after
     * {@code timeoutSeconds}. Stopping a stopped container is not an error.
     */
    public void stopContainer(String id, int timeoutSeconds) throws DockerException {
        call("POST", api("/containers/" + pathPart(id) + "/stop?t=" + timeoutSeconds), new byte[0],
                idleTimeout.plusSeconds(timeoutSeconds), "stop container " + shortId(id));
    }

    /**
     * {@code DELETE /containers/{id}?force=true&v=true}: kills it if running, removes its anonymous
     * volumes. Returns false when there was no such container.
     */
    public boolean removeContainer(String id) throws DockerException {
        String what = "remove container " + shortId(id);
        try (Exchange ex = exchange("DELETE", api("/containers/" + pathPart(id) + "?force=true&v=true"), null,
                idleTimeout)) {
            if (ex.head.status() == 404) {
                return false;
            }
            ex.failUnlessSuccess(what);
            return true;
        } catch (IOException e) {
            throw transportFailure(what, e);
        }
    }

    /** {@code GET /containers/json?all=true&filters={"label":[k=v,..]}}: running or not. */
    public List<ContainerSummary> listContainers(Map<String, String> labels) throws DockerException {
        List<String> terms = new ArrayList<>();
        labels.forEach((k, v) -> terms.add(k + "=" + v));
        JSONObject filters = new JSONObject();
        filters.put("label", terms);
        String path = api("/containers/json?all=true&filters=" + query(filters.toJSONString()));
        JSONArray rows = parseArray(call("GET", path, null, idleTimeout, "list containers"));
        List<ContainerSummary> result = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JSONObject row = rows.getJSONObject(i);
            List<String> names = new ArrayList<>();
            JSONArray rawNames = row.getJSONArray("Names");
            if (rawNames != null) {
                for (int j = 0; j < rawNames.size(); j++) {
                    names.add(stripSlash(rawNames.getString(j)));
                }
            }
            result.add(new ContainerSummary(row.getString("Id"), List.copyOf(names), row.getString("Image"),
                    row.getString("State"), stringMap(row.getJSONObject("Labels"))));
        }
        return result;
    }

    // ---- the exchange ----------------------------------------------------------------------

    private String api(String pathAndQuery) throws DockerException {
        if (apiPrefix == null) {
            apiVersion();
        }
        return apiPrefix + pathAndQuery;
    }

    /** One call whose success body is small; 2xx and 304 are success. */
    private String call(String method, String path, byte[] body, Duration idle, String what) throws DockerException {
        try (Exchange ex = exchange(method, path, body, idle)) {
            ex.failUnlessSuccess(what);
            return ex.readBody(MAX_JSON_BYTES, what);
        } catch (IOException e) {
            throw transportFailure(what, e);
        }
    }

    private Exchange exchange(String method, String path, byte[] body, Duration idle) throws DockerException {
        HttpConnection connection;
        try {
            connection = HttpConnection.open(endpoint.openChannel(), endpoint.address(), connectTimeout);
        } catch (IOException e) {
            throw new DockerException("cannot reach Docker at " + endpoint + ": " + describe(e), e);
        }
        try {
            connection.idleTimeout(idle);
            connection.send(method, path, endpoint.hostHeader(), body);
            HttpResponseReader reader = new HttpResponseReader(connection.input(), "Docker");
            ResponseHead responseHead = reader.readHead();
            return new Exchange(connection, responseHead, reader.body(responseHead, method));
        } catch (IOException e) {
            closeQuietly(connection);
            throw transportFailure(method + " " + path, e);
        }
    }

    /** An open response: its head and its framed body. Closing it closes the connection. */
    private static final class Exchange implements AutoCloseable {
        final HttpConnection connection;
        final ResponseHead head;
        final InputStream body;

        Exchange(HttpConnection connection, ResponseHead head, InputStream body) {
            this.connection = connection;
            this.head = head;
            this.body = body;
        }

        String readBody(int limit, String what) throws IOException, DockerException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = body.read(buf)) != -1) {
                if (out.size() + n > limit) {
                    throw new DockerException(head.status(), null, what + ": Docker's answer exceeds " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        void failUnlessSuccess(String what) throws IOException, DockerException {
            int status = head.status();
            if ((status >= 200 && status < 300) || status == 304) {
                return;
            }
            String text;
            try {
                text = readBody(MAX_ERROR_BYTES, what);
            } catch (DockerException tooLong) {
                text = "";
            }
            String message = errorMessage(text);
            if (message.isEmpty()) {
                message = "HTTP " + status + " " + head.reason();
            }
            throw new DockerException(status, message, what + ": " + message);
        }

        @Override
        public void close() {
            closeQuietly(connection);
        }
    }

    /** Docker's error body is {@code {"message": "..."}}; anything else is shown as text. */
    static String errorMessage(String body) {
        String trimmed = body.trim();
        if (trimmed.startsWith("{")) {
            try {
                JSONObject o = JSON.parseObject(trimmed);
                if (o != null && o.getString("message") != null) {
                    return o.getString("message");
                }
            } catch (JSONException ignored) {
                // not JSON after all: fall through to text
            }
        }
        return Ascii.printable(trimmed.replace('\n', ' '));
    }

    private DockerException transportFailure(String what, IOException e) {
        return new DockerException(what + ": Docker at " + endpoint + " failed: " + describe(e), e);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(HttpConnection connection) {
        try {
            connection.close();
        } catch (IOException e) {
            Logger.debug(e, "Closing a Docker connection failed");
        }
    }

    // ---- JSON and small helpers ------------------------------------------------------------

    private static ContainerInfo toContainerInfo(JSONObject o) {
        JSONObject state = objectOrEmpty(o.getJSONObject("State"));
        JSONObject config = objectOrEmpty(o.getJSONObject("Config"));
        JSONObject hostConfig = objectOrEmpty(o.getJSONObject("HostConfig"));
        JSONObject network = objectOrEmpty(o.getJSONObject("NetworkSettings"));
        Map<String, List<ContainerInfo.HostBinding>> ports = new LinkedHashMap<>();
        JSONObject rawPorts = network.getJSONObject("Ports");
        if (rawPorts != null) {
            for (String key : rawPorts.keySet()) {
                JSONArray bindings = rawPorts.getJSONArray(key);
                List<ContainerInfo.HostBinding> list = new ArrayList<>();
                if (bindings != null) {
                    for (int i = 0; i < bindings.size(); i++) {
                        JSONObject b = bindings.getJSONObject(i);
                        list.add(new ContainerInfo.HostBinding(stringOr(b.getString("HostIp")),
                                parsePort(b.getString("HostPort"))));
                    }
                }
                ports.put(key, List.copyOf(list));
            }
        }
        return new ContainerInfo(o.getString("Id"), stripSlash(stringOr(o.getString("Name"))),
                stringOr(config.getString("Image")), state.getBooleanValue("Running"), stringOr(state.getString("Status")),
                state.getIntValue("ExitCode"), stringOr(state.getString("Error")), stringMap(config.getJSONObject("Labels")),
                stringOr(hostConfig.getString("NetworkMode")), Collections.unmodifiableMap(ports));
    }

    private static int parsePort(String s) {
        try {
            return s == null || s.isEmpty() ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static JSONObject objectOrEmpty(JSONObject o) {
        return o == null ? new JSONObject() : o;
    }

    private static Map<String, String> stringMap(JSONObject o) {
        if (o == null) {
            return Map.of();
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String key : o.keySet()) {
            map.put(key, o.getString(key));
        }
        return Collections.unmodifiableMap(map);
    }

    private JSONObject parseObject(String text) throws DockerException {
        try {
            JSONObject o = JSON.parseObject(text);
            if (o == null) {
                throw new DockerException(200, null, "Docker at " + endpoint + " answered an empty body");
            }
            return o;
        } catch (JSONException e) {
            throw new DockerException(200, null, "Docker at " + endpoint + " answered malformed JSON: "
                    + Ascii.printable(text));
        }
    }

    private JSONArray parseArray(String text) throws DockerException {
        try {
            JSONArray a = JSON.parseArray(text);
            return a == null ? new JSONArray() : a;
        } catch (JSONException e) {
            throw new DockerException(200, null, "Docker at " + endpoint + " answered malformed JSON: "
                    + Ascii.printable(text));
        }
    }

    private static String stringOr(String s) {
        return s == null ? "" : s;
    }

    private static String stripSlash(String name) {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    static String shortId(String id) {
        return id.length() == 64 ? id.substring(0, 12) : id;
    }

    private static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Image references and container names may hold {@code / : @}; Docker's router accepts them. */
    static String pathPart(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /** Compares {@code 1.41}-style versions numerically, part by part. */
    static int compareVersions(String a, String b) {
        String[] pa = a.split("\\.");
        String[] pb = b.split("\\.");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            int x = i < pa.length ? parseIntOr(pa[i]) : 0;
            int y = i < pb.length ? parseIntOr(pb[i]) : 0;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return 0;
    }

    private static int parseIntOr(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
