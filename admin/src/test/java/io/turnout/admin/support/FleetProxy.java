package io.turnout.admin.support;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One Turnout of a fleet (SPEC §10) in its own JVM, sharing its clusters through etcd. Its ports
 * are chosen before it starts, so it can run at the default WARN level (the lines that name bound
 * ports are INFO, and at INFO every response is a line): the fleet's warnings are what the tests
 * read in its log.
 */
public final class FleetProxy implements AutoCloseable {
    public final String name;
    public final int proxyPort;
    public final int adminPort;
    private final TurnoutChild child;

    private FleetProxy(String name, int proxyPort, int adminPort, TurnoutChild child) {
        this.name = name;
        this.proxyPort = proxyPort;
        this.adminPort = adminPort;
        this.child = child;
    }

    /**
     * Starts proxy {@code name} with {@code store.etcd} on {@code endpointsJson}; {@code more} adds
     * top-level config entries (a {@code "cluster"} to seed, a {@code "rollback"} block).
     */
    public static FleetProxy start(Path dir, String name, String endpointsJson, String more) {
        int proxyPort = freePort();
        int adminPort = freePort();
        Path home = dir.resolve(name);
        try {
            Files.createDirectories(home);
            Files.writeString(home.resolve("config.json"), """
                    {"proxy": {"port": %d, "hostname": "127.0.0.1", "drainTimeout": 1},
                     "configService": {"port": %d},
                     "store": {"etcd": {"endpoints": %s, "name": "%s", "dialTimeout": 1}}%s}
                    """.formatted(proxyPort, adminPort, endpointsJson, name, more.isEmpty() ? "" : ", " + more));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FleetProxy(name, proxyPort, adminPort, TurnoutChild.start(home, "-configFile=config.json"));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the admin API answers: the proxy has read the fleet's clusters and routes. */
    public FleetProxy awaitUp() {
        Await.until("proxy " + name + " to answer on its admin port " + adminPort + this, Duration.ofSeconds(30),
                () -> admin("GET", "/status", null).status() == 200);
        return this;
    }

    public HttpResponse admin(String method, String path, String body) {
        try (RawHttpClient c = RawHttpClient.connect(adminPort)) {
            return exchange(c, method, path, body);
        }
    }

    /** PUT a cluster; returns its uuid, failing unless the answer is 202. */
    public String put(String clusterJson) {
        HttpResponse r = admin("PUT", "/configuration/cluster", clusterJson);
        assertEquals(202, r.status(), () -> name + ": " + r);
        return r.bodyText();
    }

    public HttpResponse delete(String uuid) {
        return admin("DELETE", "/configuration/cluster/" + uuid, null);
    }

    /** {@code GET /configuration/cluster}. */
    public JSONArray clusters() {
        return JSON.parseArray(admin("GET", "/configuration/cluster", null).bodyText());
    }

    /** uuid and version of each cluster, newest first: what two proxies must agree on. */
    public List<String> clusterList() {
        return clusters().stream().map(c -> ((JSONObject) c).getJSONObject("cluster"))
                .map(c -> c.getString("uuid") + "=" + c.getString("version")).toList();
    }

    public JSONObject status() {
        return JSON.parseObject(admin("GET", "/status", null).bodyText());
    }

    /** The {@code status} of the store in {@code /status}: UP or DOWN. */
    public String storeStatus() {
        return status().getJSONObject("store").getString("status");
    }

    public JSONArray events() {
        return JSON.parseArray(admin("GET", "/events", null).bodyText());
    }

    public String metrics() {
        return admin("GET", "/metrics", null).bodyText();
    }

    /** One GET through the proxy on a new connection; the echo backends answer their name. */
    public String page() {
        HttpResponse r = RawHttpClient.get(proxyPort, "/");
        assertEquals(200, r.status(), () -> name + ": " + r);
        return r.bodyText();
    }

    public List<String> logLines() {
        return child.stderrLines();
    }

    /** Log lines containing {@code text}. */
    public long logCount(String text) {
        return logLines().stream().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() {
        child.close();
    }

    @Override
    public String toString() {
        return " (proxy " + name + ")" + child;
    }
}
