package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.engine.health.Event;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every row of the SPEC §4 table, over real sockets, against a real snapshot writer. */
class AdminApiTest {
    /** The thesis appendix example. */
    static final String THESIS_BODY = "{\"cluster\": {\"servers\":[{\"hostname\": \"127.0.0.1\", \"port\": 1036},"
            + "{\"hostname\": \"127.0.0.1\", \"port\": 1038}], \"version\": \"1.1\", "
            + "\"upgradeTransition\": {\"mode\": \"SESSION\", \"sessionTimeout\": 60 }}}";
    static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    private AdminFixture admin = AdminFixture.start();

    @AfterEach
    void stop() {
        admin.close();
    }

    static String body(String version, int port) {
        return "{\"cluster\": {\"version\": \"" + version + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": " + port + "}]}}";
    }

    private String put(String body) {
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", body);
        assertEquals(202, r.statusCode(), r.body());
        return r.body();
    }

    // ---- PUT ------------------------------------------------------------------------------------

    @Test
    void putAnswers202WithTheNewUuidAsPlainTextAfterTheSnapshotHoldsIt() {
        long before = admin.writer.snapshot().generation();
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", THESIS_BODY);
        // Checked at once, with no waiting: the 202 is sent only after publication.
        ClusterSnapshot after = admin.writer.snapshot();

        assertEquals(202, r.statusCode());
        assertEquals("text/plain; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(r.body().matches(UUID_PATTERN), r.body());
        assertEquals(36, r.headers().firstValueAsLong("Content-Length").orElseThrow());
        Cluster c = after.byUuid(r.body());
        assertNotNull(c, "published before the 202");
        assertEquals(before + 1, after.generation());
        assertEquals("1.1", c.version());
        assertEquals(2, c.servers().size());
        assertEquals(60, c.sessionTimeoutSeconds());
    }

    @Test
    void putKeepsAGivenUuidInLowerCase() {
        String uuid = put("{\"cluster\": {\"uuid\": \"952C8557-2088-11E4-87E3-600308A8245E\", \"version\": 2,"
                + " \"servers\": [{\"ip\": \"127.0.0.1\", \"port\": 80}]}}");
        assertEquals("952c8557-2088-11e4-87e3-600308a8245e", uuid);
        assertEquals("2", admin.writer.snapshot().byUuid(uuid).version());
    }

    @Test
    void putThenImmediatelyGetOnTheSameConnectionShowsTheCluster() throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(admin.port())) {
            byte[] body = THESIS_BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            // Pipelined in one write: the GET must still see the PUT's effect.
            c.send("PUT /configuration/cluster HTTP/1.1\r\nHost: admin\r\nContent-Length: " + body.length + "\r\n\r\n" + THESIS_BODY
                    + "GET /configuration/cluster HTTP/1.1\r\nHost: admin\r\n\r\n");
            var put = c.readResponse();
            var list = c.readResponse();
            assertEquals(202, put.status());
            assertEquals(200, list.status());
            JSONArray clusters = JSON.parseArray(list.bodyText());
            assertEquals(1, clusters.size());
            assertEquals(put.bodyText(), clusters.getJSONObject(0).getJSONObject("cluster").getString("uuid"));
            var get = AdminFixture.exchange(c, "GET", "/configuration/cluster/" + put.bodyText(), null);
            assertEquals(200, get.status());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON         | {nope                                                       | body",
            "empty body       | ''                                                          | body",
            "unwrapped        | {\"version\": \"1\", \"servers\": [{\"hostname\": \"h\", \"port\": 1}]} | version",
            "port range       | {\"cluster\": {\"servers\": [{\"hostname\": \"h\", \"port\": 70000}]}} | cluster.servers[0].port",
            "typo             | {\"cluster\": {\"sesionTimeout\": 1, \"servers\": [{\"hostname\": \"h\", \"port\": 1}]}} | sesionTimeout",
            "SESSION timeout  | {\"cluster\": {\"servers\": [{\"hostname\": \"h\", \"port\": 1}], \"upgradeTransition\": {\"mode\": \"SESSION\"}}} | sessionTimeout",
    })
    void aMalformedBodyGets400NamingTheFieldAndChangesNothing(String name, String body, String field) {
        long generation = admin.writer.snapshot().generation();
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", body);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains(field), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        assertEquals(generation, admin.writer.snapshot().generation());
    }

    @Test
    void aBodyThatIsNotUtf8Gets400() throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(admin.port())) {
            byte[] latin1 = "{\"cluster\": {\"version\": \"caf\u00e9\"}}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            c.send("PUT /configuration/cluster HTTP/1.1\r\nHost: admin\r\nContent-Length: " + latin1.length + "\r\n\r\n");
            c.send(latin1);
            var r = c.readResponse();
            assertEquals(400, r.status());
            assertTrue(r.bodyText().startsWith("body: not UTF-8"), r.bodyText());
        }
        assertTrue(admin.writer.snapshot().isEmpty());
    }

    @Test
    void aDuplicateUuidGets409AndTheFirstClusterStays() {
        String body = "{\"cluster\": {\"uuid\": \"dup-1\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 81}]}}";
        put(body);
        long generation = admin.writer.snapshot().generation();
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", body.replace("81", "82"));
        assertEquals(409, r.statusCode());
        assertTrue(r.body().contains("dup-1 is already in use"), r.body());
        assertEquals(generation, admin.writer.snapshot().generation());
        assertEquals(81, admin.writer.snapshot().byUuid("dup-1").servers().get(0).port());
    }

    @Test
    void concurrentPutsOfOneUuidAdmitExactlyOne() throws Exception {
        String body = "{\"cluster\": {\"uuid\": \"race\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 81}]}}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> puts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                puts.add(() -> admin.send("PUT", "/configuration/cluster", body).statusCode());
            }
            int accepted = 0;
            int conflicts = 0;
            for (Future<Integer> f : pool.invokeAll(puts)) {
                int status = f.get();
                accepted += status == 202 ? 1 : 0;
                conflicts += status == 409 ? 1 : 0;
            }
            assertEquals(1, accepted);
            assertEquals(15, conflicts);
            assertEquals(1, admin.writer.snapshot().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBodyOverOneMibGets413AndChangesNothing() {
        long generation = admin.writer.snapshot().generation();
        String padded = THESIS_BODY.replace("\"version\"", " ".repeat(2 * 1024 * 1024) + "\"version\"");
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", padded);
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("over the limit"), r.body());
        assertEquals(generation, admin.writer.snapshot().generation());
    }

    @Test
    void containersWithoutADockerHostGet502AndNothingIsAdded() {
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster",
                "{\"cluster\": {\"version\": \"3\", \"containers\": [{\"image\": \"wordpress\", \"tag\": \"3.9.2\", \"portToProxy\": 80}]}}");
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("no Docker host"), r.body());
        assertTrue(admin.writer.snapshot().isEmpty());
    }

    // ---- GET ------------------------------------------------------------------------------------

    @Test
    void getByUuidAnswersTheThesisShape() {
        String uuid = put(THESIS_BODY);
        HttpResponse<String> r = admin.send("GET", "/configuration/cluster/" + uuid, null);
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        JSONObject c = JSON.parseObject(r.body()).getJSONObject("cluster");
        assertEquals(uuid, c.getString("uuid"));
        assertEquals("1.1", c.getString("version"));
        JSONArray servers = c.getJSONArray("servers");
        assertEquals(2, servers.size());
        assertEquals("127.0.0.1", servers.getJSONObject(0).getString("hostname"));
        assertEquals(1036, servers.getJSONObject(0).getIntValue("port"));
        assertEquals(1038, servers.getJSONObject(1).getIntValue("port"));
        JSONObject transition = c.getJSONObject("upgradeTransition");
        assertEquals("SESSION", transition.getString("mode"));
        assertEquals(60, transition.getIntValue("sessionTimeout"));
        assertFalse(transition.containsKey("percentageTransitionPerRequest"));
    }

    @Test
    void getOfAnUnknownUuidGets404WithAMessage() {
        HttpResponse<String> r = admin.send("GET", "/configuration/cluster/no-such-uuid", null);
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("no cluster with uuid no-such-uuid"), r.body());
    }

    @Test
    void theListIsHighestVersionFirstInNaturalOrderWithOrWithoutTheTrailingSlash() {
        String v19 = put(body("1.9", 1001));
        String v110 = put(body("1.10", 1002));
        String v12 = put(body("1.2", 1003));
        String v110b = put(body("1.10", 1004)); // equal versions: the newer first
        for (String path : List.of("/configuration/cluster", "/configuration/cluster/")) {
            HttpResponse<String> r = admin.send("GET", path, null);
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
            JSONArray list = JSON.parseArray(r.body());
            List<String> uuids = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                uuids.add(list.getJSONObject(i).getJSONObject("cluster").getString("uuid"));
            }
            assertEquals(List.of(v110b, v110, v19, v12), uuids);
        }
    }

    @Test
    void anEmptyListIsAnEmptyArray() {
        HttpResponse<String> r = admin.send("GET", "/configuration/cluster", null);
        assertEquals(200, r.statusCode());
        assertEquals("[]", r.body());
    }

    // ---- DELETE ---------------------------------------------------------------------------------

    @Test
    void deleteAnswers202WithAnEmptyBodyAfterTheSnapshotDropsIt() {
        String uuid = put(THESIS_BODY);
        String other = put(body("2.0", 1035));
        HttpResponse<String> r = admin.send("DELETE", "/configuration/cluster/" + uuid, null);
        ClusterSnapshot after = admin.writer.snapshot();
        assertEquals(202, r.statusCode());
        assertEquals("", r.body());
        assertEquals(0, r.headers().firstValueAsLong("Content-Length").orElseThrow());
        assertTrue(r.headers().firstValue("Content-Type").isEmpty());
        assertNull(after.byUuid(uuid), "removed before the 202");
        assertNotNull(after.byUuid(other));
        assertEquals(404, admin.send("GET", "/configuration/cluster/" + uuid, null).statusCode());
    }

    @Test
    void deleteOfAnUnknownUuidGets404AndChangesNothing() {
        put(THESIS_BODY);
        long generation = admin.writer.snapshot().generation();
        HttpResponse<String> r = admin.send("DELETE", "/configuration/cluster/nope", null);
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("no cluster with uuid nope"), r.body());
        assertEquals(generation, admin.writer.snapshot().generation());
    }

    // ---- status, metrics, events ----------------------------------------------------------------

    @Test
    void statusIsUpWithEachClusterAndItsEjectedServers() {
        String uuid = put(THESIS_BODY);
        Cluster c = admin.writer.snapshot().byUuid(uuid);
        admin.writer.submit(s -> s.replacing(c.withEjected(c.servers().get(1), true))).join();

        HttpResponse<String> r = admin.send("GET", "/status", null);
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        JSONObject status = JSON.parseObject(r.body());
        assertEquals("UP", status.getString("status"));
        JSONObject cluster = status.getJSONArray("clusters").getJSONObject(0);
        assertEquals(uuid, cluster.getString("uuid"));
        assertEquals("1.1", cluster.getString("version"));
        assertEquals("SESSION", cluster.getString("mode"));
        JSONArray servers = cluster.getJSONArray("servers");
        assertEquals(1036, servers.getJSONObject(0).getIntValue("port"));
        assertFalse(servers.getJSONObject(0).getBooleanValue("ejected"));
        assertTrue(servers.getJSONObject(1).getBooleanValue("ejected"));
    }

    @Test
    void metricsAndEventsAnswerEmptyByDefault() {
        HttpResponse<String> metrics = admin.send("GET", "/metrics", null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        assertEquals("", metrics.body());
        HttpResponse<String> events = admin.send("GET", "/events", null);
        assertEquals(200, events.statusCode());
        assertEquals("application/json", events.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("[]", events.body());
    }

    @Test
    void metricsComeFromTheirProviderAndEventsFromTheEventLogNewestFirst() {
        admin.close();
        EventLog log = new EventLog(AdminApi.EVENTS_KEPT);
        admin = AdminFixture.start(null, ClusterProvisioner.NONE, () -> "turnout_requests_total 7\n", log);
        log.record(Event.Type.EJECTION, "u2", "2.0", "127.0.0.1:1035", "connect refused");
        log.record(Event.Type.ROLLBACK, "u2", "2.0", null, "all servers ejected");
        assertEquals("turnout_requests_total 7\n", admin.send("GET", "/metrics", null).body());

        JSONArray events = JSON.parseArray(admin.send("GET", "/events", null).body());
        assertEquals(2, events.size());
        JSONObject rollback = events.getJSONObject(0);
        assertEquals(List.of("time", "type", "cluster", "version", "server", "reason"), List.copyOf(rollback.keySet()));
        assertEquals("ROLLBACK", rollback.getString("type"));
        assertEquals("u2", rollback.getString("cluster"));
        assertEquals("2.0", rollback.getString("version"));
        assertNull(rollback.get("server"));
        assertEquals("all servers ejected", rollback.getString("reason"));
        assertTrue(Instant.parse(rollback.getString("time")).isBefore(Instant.now().plusSeconds(1)));
        assertEquals("127.0.0.1:1035", events.getJSONObject(1).getString("server"));
    }

    @Test
    void aSuccessfulPutIsAnUpgradeEventAndASuccessfulDeleteADeleteEvent() {
        String uuid = admin.send("PUT", "/configuration/cluster",
                "{\"cluster\": {\"version\": \"2.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 1035}]}}").body();
        assertEquals(404, admin.send("DELETE", "/configuration/cluster/nope", null).statusCode());
        assertEquals(202, admin.send("DELETE", "/configuration/cluster/" + uuid, null).statusCode());

        JSONArray events = JSON.parseArray(admin.send("GET", "/events", null).body());
        assertEquals(List.of("DELETE", "UPGRADE"), events.stream().map(e -> ((JSONObject) e).getString("type")).toList(),
                "newest first; the failed DELETE is not an event");
        for (int i = 0; i < 2; i++) {
            assertEquals(uuid, events.getJSONObject(i).getString("cluster"));
            assertEquals("2.0", events.getJSONObject(i).getString("version"));
        }
    }

    // ---- 404, 405, 401 --------------------------------------------------------------------------

    @Test
    void anUnknownPathGets404ListingTheEndpoints() {
        HttpResponse<String> r = admin.send("GET", "/configuration/clusters", null);
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("no such path: /configuration/clusters"), r.body());
        assertTrue(r.body().contains("/configuration/cluster, /configuration/cluster/{uuid}, /status, /metrics, /events"),
                r.body());
        assertEquals(404, admin.send("GET", "/configuration/cluster/a/b", null).statusCode());
    }

    @ParameterizedTest
    @CsvSource({
            "POST,/configuration/cluster,'PUT, GET'",
            "DELETE,/configuration/cluster,'PUT, GET'",
            "PUT,/configuration/cluster/x,'GET, DELETE'",
            "POST,/status,GET",
            "DELETE,/metrics,GET",
            "PUT,/events,GET",
    })
    void aWrongMethodGets405WithAllow(String method, String path, String allow) {
        HttpResponse<String> r = admin.send(method, path, "{}");
        assertEquals(405, r.statusCode());
        assertEquals(allow, r.headers().firstValue("Allow").orElseThrow());
        assertTrue(r.body().contains("method " + method + " is not allowed on " + path + "; use " + allow), r.body());
    }

    @Test
    void withATokenRequestsNeedTheBearerToken() {
        admin.close();
        admin = AdminFixture.start("t0ken");
        HttpResponse<String> none = admin.send("PUT", "/configuration/cluster", THESIS_BODY);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"turnout\"", none.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertTrue(none.body().contains("Authorization: Bearer"), none.body());
        assertEquals(401, admin.send("GET", "/status", null, "Authorization", "Bearer wrong").statusCode());
        assertEquals(401, admin.send("GET", "/configuration/cluster", null).statusCode());
        assertTrue(admin.writer.snapshot().isEmpty());

        HttpResponse<String> ok = admin.send("PUT", "/configuration/cluster", THESIS_BODY, "Authorization", "Bearer t0ken");
        assertEquals(202, ok.statusCode());
        assertEquals(200, admin.send("GET", "/configuration/cluster/" + ok.body(), null, "Authorization", "Bearer t0ken")
                .statusCode());
    }
}
