package io.turnout.admin;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.support.TurnoutChild;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product as a user runs it: {@code Turnout.main} in its own JVM with a config file, a
 * backend per version, the admin API over raw HTTP, then SIGTERM with requests in flight.
 */
class TurnoutEndToEndTest {
    private static final String JSON_TYPE = "application/json";

    @TempDir
    Path dir;

    private final TestBackend v1 = TestBackend.echo("1.0");
    private final TestBackend v2 = TestBackend.echo("2.0");
    private TurnoutChild turnout;

    @AfterEach
    void stop() {
        if (turnout != null) {
            turnout.close();
        }
        v1.close();
        v2.close();
    }

    private TurnoutChild start(String configService) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"proxy": {"port": 0, "hostname": "127.0.0.1", "drainTimeout": 20},
                 "configService": %s,
                 "cluster": {"version": "1.0", "servers": [{"hostname": "127.0.0.1", "port": %d}]}}
                """.formatted(configService, v1.port()));
        turnout = TurnoutChild.start(dir, "-configFile=config.json", "-logLevel=INFO");
        return turnout;
    }

    /** One proxied GET on a fresh connection: the body names the backend's version. */
    private String proxiedPage(int proxyPort) {
        HttpResponse r = RawHttpClient.get(proxyPort, "/page");
        assertEquals(200, r.status(), r::toString);
        return r.bodyText();
    }

    private static HttpResponse admin(int port, String method, String path, String body) {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            return exchange(c, method, path, body);
        }
    }

    @Test
    void upgradeDeleteInspectThenSigtermDrainsTwentySlowRequestsAndExitsZero() throws Exception {
        start("{\"port\": 0}");
        int proxy = turnout.proxyPort();
        int adminPort = turnout.adminPort();
        assertEquals("1.0 GET /page", proxiedPage(proxy));

        // PUT 2.0: the very next request after the 202 goes to 2.0.
        HttpResponse put = admin(adminPort, "PUT", "/configuration/cluster", "{\"cluster\": {\"version\": \"2.0\", "
                + "\"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": " + v2.port() + "}]}}");
        assertEquals(202, put.status(), put::toString);
        assertTrue(put.header("Content-Type").startsWith("text/plain"), put::toString);
        String uuid = put.bodyText();
        assertEquals("2.0 GET /page", proxiedPage(proxy));

        // GET shapes (thesis appendix 8), highest version first.
        HttpResponse list = admin(adminPort, "GET", "/configuration/cluster", null);
        assertEquals(200, list.status());
        assertEquals(JSON_TYPE, list.header("Content-Type"));
        JSONArray clusters = JSON.parseArray(list.bodyText());
        assertEquals(List.of("2.0", "1.0"), clusters.stream()
                .map(c -> ((JSONObject) c).getJSONObject("cluster").getString("version")).toList());
        HttpResponse one = admin(adminPort, "GET", "/configuration/cluster/" + uuid, null);
        assertEquals(200, one.status());
        JSONObject cluster = JSON.parseObject(one.bodyText()).getJSONObject("cluster");
        assertEquals(uuid, cluster.getString("uuid"));
        assertEquals("INSTANT", cluster.getJSONObject("upgradeTransition").getString("mode"));
        assertEquals(v2.port(), cluster.getJSONArray("servers").getJSONObject(0).getIntValue("port"));
        JSONObject status = JSON.parseObject(admin(adminPort, "GET", "/status", null).bodyText());
        assertEquals("UP", status.getString("status"));
        assertFalse(status.getJSONArray("clusters").getJSONObject(0).getJSONArray("servers").getJSONObject(0)
                .getBooleanValue("ejected"));

        // DELETE: 202 with no body, and the next request is back on 1.0.
        HttpResponse delete = admin(adminPort, "DELETE", "/configuration/cluster/" + uuid, null);
        assertEquals(202, delete.status());
        assertEquals(0, delete.bodyLength());
        assertEquals("1.0 GET /page", proxiedPage(proxy));
        assertEquals(404, admin(adminPort, "GET", "/configuration/cluster/" + uuid, null).status());

        HttpResponse metrics = admin(adminPort, "GET", "/metrics", null);
        assertEquals(200, metrics.status());
        assertTrue(metrics.header("Content-Type").startsWith("text/plain; version=0.0.4"), metrics::toString);
        assertTrue(metrics.bodyText().contains("version=\"1.0\""), metrics.bodyText());
        HttpResponse events = admin(adminPort, "GET", "/events", null);
        assertEquals(200, events.status());
        assertEquals(JSON_TYPE, events.header("Content-Type"));
        JSONArray eventList = JSON.parseArray(events.bodyText());
        assertEquals("DELETE", eventList.getJSONObject(0).getString("type"), events.bodyText());
        assertEquals("UPGRADE", eventList.getJSONObject(1).getString("type"), events.bodyText());
        assertEquals(uuid, eventList.getJSONObject(1).getString("cluster"));

        // SIGTERM while 20 slow exchanges are in flight: each completes, then exit 0.
        v1.respondWith(r -> Reply.ok("slow 1.0").withHeadDelay(Duration.ofMillis(1500)));
        v1.clearRequests();
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            List<Future<HttpResponse>> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                inFlight.add(clients.submit(() -> RawHttpClient.get(proxy, "/slow")));
            }
            Await.until("20 requests at the backend", Duration.ofSeconds(10), () -> v1.requestCount() == 20);
            turnout.terminate();
            for (Future<HttpResponse> f : inFlight) {
                HttpResponse r = f.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r::toString);
                assertEquals("slow 1.0", r.bodyText());
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(0, turnout.awaitExit(Duration.ofSeconds(30)), turnout::toString);
        assertTrue(turnout.stderrLines().stream().noneMatch(l -> l.contains("ERROR") || l.contains("Exception")),
                turnout::toString);
    }

    @Test
    void anAdminApiBeyondLoopbackWithoutATokenIsWarnedAboutOnce() throws Exception {
        start("{\"port\": 0, \"hostname\": \"0.0.0.0\"}");
        turnout.adminPort();
        List<String> warnings = Await.value("the warning", () -> turnout.stderrLines().stream()
                .filter(l -> l.contains("WARNING") && l.contains("without a token")).toList(), w -> !w.isEmpty());
        assertEquals(1, warnings.size(), turnout::toString);
        assertTrue(warnings.get(0).contains("set configService.token"), warnings.get(0));
        turnout.terminate();
        assertEquals(0, turnout.awaitExit(Duration.ofSeconds(20)), turnout::toString);
    }

    @Test
    void anAdminApiBeyondLoopbackWithATokenIsNotWarnedAbout() throws Exception {
        start("{\"port\": 0, \"hostname\": \"0.0.0.0\", \"token\": \"s3cret\"}");
        turnout.adminPort();
        turnout.terminate();
        assertEquals(0, turnout.awaitExit(Duration.ofSeconds(20)), turnout::toString);
        assertNull(turnout.stderrLines().stream().filter(l -> l.contains("without a token")).findFirst().orElse(null),
                turnout::toString);
    }
}
