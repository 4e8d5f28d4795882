package io.turnout.admin.config;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterJsonTest {

    static Stream<MalformedClusterBodies.Row> malformed() {
        return MalformedClusterBodies.rows().stream();
    }

    @Test
    void theTableOfMalformedBodiesHasAtLeastFiftyRows() {
        assertTrue(MalformedClusterBodies.rows().size() >= 50, "rows: " + MalformedClusterBodies.rows().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedBodyIsRefusedWithAMessageNamingTheField(MalformedClusterBodies.Row row) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterJson.parseBody(row.body()));
        String message = e.getMessage();
        assertTrue(message.contains(row.expected()), () -> "expected <" + row.expected() + "> in <" + message + ">");
        assertMessageIsSafe(message, row.body());
    }

    /** One line, no internals, and never more than 60 characters of the input echoed back. */
    static void assertMessageIsSafe(String message, String input) {
        assertFalse(message.contains("\n") || message.contains("\r"), message);
        assertFalse(message.contains("Exception") || message.contains("fastjson") || message.contains("\tat "), message);
        assertTrue(message.length() < 300, message);
        for (int i = 0; i + 61 <= input.length(); i++) {
            String window = input.substring(i, i + 61);
            assertFalse(message.contains(window), () -> "message echoes the input: " + message);
        }
        assertEquals(0, e(message), message);
    }

    private static int e(String message) {
        int controls = 0;
        for (char c : message.toCharArray()) {
            if (c < 0x20) {
                controls++;
            }
        }
        return controls;
    }

    @Test
    void longUnknownKeyIsCutInTheMessage() {
        String key = "k".repeat(500);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterJson.parseBody("{\"cluster\":{\"" + key + "\":1}}"));
        assertTrue(e.getMessage().startsWith("cluster.kkkk"), e.getMessage());
        assertMessageIsSafe(e.getMessage(), key);
    }

    @Test
    void unknownKeyWithNewlineStaysOnOneLine() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterJson.parseBody("{\"cluster\":{\"a\\nWARNING - forged\":1}}"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cluster.a?WARNING - forged: unknown key"), e.getMessage());
    }

    @Test
    void bodyBytesMustBeUtf8() {
        byte[] latin1 = "{\"cluster\":{\"version\":\"caf\u00e9\"}}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ClusterJson.parseBody(latin1));
        assertEquals("body: not UTF-8 text; JSON must be sent as UTF-8", e.getMessage());
        byte[] utf8 = "{\"cluster\":{\"version\":\"caf\u00e9\",\"servers\":[{\"hostname\":\"h\",\"port\":1}]}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("caf\u00e9", ClusterJson.parseBody(utf8).version());
    }

    @Test
    void minimalBodyIsInstantWithDefaults() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "127.0.0.1", "port": 1034}]}}""");
        assertNull(spec.uuid());
        assertEquals("0.0", spec.version());
        assertEquals(TransitionMode.INSTANT, spec.mode());
        assertEquals(List.of(new ServerSpec("127.0.0.1", 1034)), spec.servers());
        assertNull(spec.rollback());
        assertTrue(spec.containers().isEmpty());
    }

    @Test
    void thesisSessionExampleParses() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"servers":[{"hostname": "127.0.0.1", "port": 1036},{"hostname": "127.0.0.1", "port": 1038}],
                 "version": "1.1", "upgradeTransition": {"mode": "SESSION", "sessionTimeout": 60 }}}""");
        assertEquals("1.1", spec.version());
        assertEquals(TransitionMode.SESSION, spec.mode());
        assertEquals(60, spec.sessionTimeoutSeconds());
        assertEquals(2, spec.servers().size());
    }

    @Test
    void gradualConcurrentAndInstantBodiesParse() {
        ClusterSpec gradual = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"ip": "10.0.0.5", "port": 80}], "version": "2",
                 "upgradeTransition": {"mode": "GRADUAL", "percentageTransitionPerRequest": 2.5}}}""");
        assertEquals(TransitionMode.GRADUAL, gradual.mode());
        assertEquals(2.5, gradual.percentageTransitionPerRequest());
        assertEquals("10.0.0.5", gradual.servers().get(0).hostname());

        ClusterSpec concurrent = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "h", "port": 80}],
                 "upgradeTransition": {"mode": "CONCURRENT", "mirrorUnsafeMethods": true}}}""");
        assertEquals(TransitionMode.CONCURRENT, concurrent.mode());
        assertTrue(concurrent.mirrorUnsafeMethods());

        ClusterSpec instant = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "h", "port": 80}], "upgradeTransition": {"mode": "INSTANT"}}}""");
        assertEquals(TransitionMode.INSTANT, instant.mode());
    }

    @Test
    void modeNamesAreAcceptedInAnyCase() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "h", "port": 80}],
                 "upgradeTransition": {"mode": "session", "sessionTimeout": 5}}}""");
        assertEquals(TransitionMode.SESSION, spec.mode());
    }

    @Test
    void numericVersionsKeepTheirWrittenForm() {
        assertEquals("2", version("2"));
        assertEquals("2.5", version("2.5"));
        assertEquals("2.50", version("2.50"));
        assertEquals("-1", version("-1"));
        assertEquals("12345678901234567890", version("12345678901234567890"));
        assertEquals("3.9.2", version("\"3.9.2\""));
    }

    private static String version(String json) {
        return ClusterJson.parseBody("{\"cluster\": {\"version\": " + json
                + ", \"servers\": [{\"hostname\": \"h\", \"port\": 80}]}}").version();
    }

    @Test
    void rollbackFieldsDefaultOneByOne() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "h", "port": 80}],
                 "upgradeTransition": {"rollback": {"window": 50}}}}""");
        RollbackPolicy d = RollbackPolicy.DEFAULT;
        assertEquals(new RollbackPolicy(d.consecutiveFailures(), 50, d.failureRatio()), spec.rollback());
    }

    @Test
    void containersParseWithDefaults() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"version": "3.9.2", "containers": [
                  {"image": "wordpress", "portToProxy": 80},
                  {"image": "localhost:5000/app", "tag": "2.0", "portToProxy": 8080, "environment": ["A=1", "B="],
                   "cmd": ["run", "--fast"], "name": "app-2", "networkMode": "host", "readyTimeout": 2.5}]}}""");
        assertTrue(spec.servers().isEmpty());
        ContainerSpec a = spec.containers().get(0);
        assertEquals("wordpress:latest", a.imageReference());
        assertEquals(ContainerSpec.DEFAULT_READY_TIMEOUT, a.readyTimeout());
        assertFalse(a.hostNetwork());
        ContainerSpec b = spec.containers().get(1);
        assertEquals("localhost:5000/app:2.0", b.imageReference());
        assertEquals(List.of("A=1", "B="), b.environment());
        assertEquals(List.of("run", "--fast"), b.cmd());
        assertEquals("app-2", b.name());
        assertTrue(b.hostNetwork());
        assertEquals(Duration.ofMillis(2500), b.readyTimeout());
    }

    @Test
    void toClusterBuildsTheEngineCluster() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "127.0.0.1", "port": 1036}], "version": "1.1",
                 "upgradeTransition": {"mode": "SESSION", "sessionTimeout": 60,
                                       "rollback": {"consecutiveFailures": 5}}}}""");
        Cluster c = spec.toCluster("016CA2CD-2585-11e4-ab5c-600308a8245e");
        assertEquals("016ca2cd-2585-11e4-ab5c-600308a8245e", c.uuid());
        assertEquals("1.1", c.version());
        assertEquals(TransitionMode.SESSION, c.mode());
        assertEquals(60, c.sessionTimeoutSeconds());
        assertEquals(5, c.rollback().consecutiveFailures());
        assertEquals("127.0.0.1:1036", c.servers().get(0).toString());
    }

    @Test
    void containersOnlySpecNeedsItsContainerServers() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"containers": [{"image": "nginx", "portToProxy": 80}]}}""");
        assertThrows(IllegalStateException.class, () -> spec.toCluster("u1"));
        Cluster c = spec.toCluster("u1", List.of(new Server("127.0.0.1", 49153)));
        assertEquals(1, c.servers().size());
    }

    @Test
    void getShapeFollowsThesisAppendix() {
        Cluster c = ClusterJson.parseBody("""
                {"cluster": {"servers": [{"hostname": "127.0.0.1", "port": 1036}, {"hostname": "127.0.0.1", "port": 1038}],
                 "version": "1.1", "upgradeTransition": {"mode": "SESSION", "sessionTimeout": 60}}}""")
                .toCluster("016ca2cd-2585-11e4-ab5c-600308a8245e");
        assertEquals("{\"cluster\":{\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":1036,\"ejected\":false},"
                + "{\"hostname\":\"127.0.0.1\",\"port\":1038,\"ejected\":false}],"
                + "\"upgradeTransition\":{\"mode\":\"SESSION\",\"sessionTimeout\":60},"
                + "\"uuid\":\"016ca2cd-2585-11e4-ab5c-600308a8245e\",\"version\":\"1.1\"}}",
                ClusterJson.toJson(c, List.of()));
    }

    @Test
    void getShowsModeSpecificFieldsOnlyForTheirMode() {
        Cluster gradual = Cluster.builder("g", "2").mode(TransitionMode.GRADUAL).percentagePerRequest(2.5)
                .servers(List.of(new Server("h", 80))).build();
        gradual.state().countGradualRequest(2.5);
        gradual.state().countGradualRequest(2.5);
        JSONObject g = ClusterJson.toJsonObject(gradual, List.of()).getJSONObject("cluster");
        assertEquals("{\"mode\":\"GRADUAL\",\"percentageTransitionPerRequest\":2.5}",
                g.getJSONObject("upgradeTransition").toJSONString());
        assertEquals(5L, g.get("transitionCounter"));
        assertFalse(g.containsKey("divergences"));

        Cluster concurrent = Cluster.builder("c", "3").mode(TransitionMode.CONCURRENT)
                .servers(List.of(new Server("h", 80))).build();
        concurrent.state().countDivergence();
        JSONObject cc = ClusterJson.toJsonObject(concurrent, List.of()).getJSONObject("cluster");
        assertEquals("{\"mode\":\"CONCURRENT\"}", cc.getJSONObject("upgradeTransition").toJSONString());
        assertEquals(1L, cc.get("divergences"));
        assertFalse(cc.containsKey("transitionCounter"));

        Cluster mirrored = concurrent.toBuilder().mirrorUnsafeMethods(true).build();
        assertEquals(true, ClusterJson.toJsonObject(mirrored, List.of()).getJSONObject("cluster")
                .getJSONObject("upgradeTransition").get("mirrorUnsafeMethods"));

        Cluster instant = Cluster.builder("i", "1").servers(List.of(new Server("h", 80))).build();
        JSONObject i = ClusterJson.toJsonObject(instant, List.of()).getJSONObject("cluster");
        assertEquals("{\"mode\":\"INSTANT\"}", i.getJSONObject("upgradeTransition").toJSONString());
        assertFalse(i.containsKey("containers"));
    }

    @Test
    void getListKeepsTheSnapshotOrder() {
        ClusterSnapshot s = ClusterSnapshot.EMPTY
                .with(Cluster.builder("a", "1").servers(List.of(new Server("h", 80))).build())
                .with(Cluster.builder("b", "1.10").servers(List.of(new Server("h", 81))).build())
                .with(Cluster.builder("c", "1.9").servers(List.of(new Server("h", 82))).build());
        JSONArray list = JSON.parseArray(ClusterJson.toJsonArray(s.clusters()));
        assertEquals(3, list.size());
        assertEquals("b", list.getJSONObject(0).getJSONObject("cluster").getString("uuid"));
        assertEquals("c", list.getJSONObject(1).getJSONObject("cluster").getString("uuid"));
        assertEquals("a", list.getJSONObject(2).getJSONObject("cluster").getString("uuid"));
    }

    @Test
    void aPerMinuteRampParsesAndGetShowsItsRateCounterAndStart() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"version": "2.0", "servers": [{"hostname": "h", "port": 80}],
                 "upgradeTransition": {"mode": "gradual", "percentageTransitionPerMinute": 0.01}}}""");
        assertEquals(0.01, spec.percentageTransitionPerMinute());
        assertEquals(0, spec.percentageTransitionPerRequest());
        assertNull(spec.transitionStart(), "a new cluster's ramp starts when it is added");

        long halfAnHourAgo = System.currentTimeMillis() - 30 * 60_000;
        Cluster ramp = Cluster.builder("g", "2.0").mode(TransitionMode.GRADUAL).percentagePerMinute(2)
                .transitionStartMillis(halfAnHourAgo).servers(List.of(new Server("h", 80))).build();
        JSONObject g = ClusterJson.toJsonObject(ramp, List.of()).getJSONObject("cluster");
        assertEquals("{\"mode\":\"GRADUAL\",\"percentageTransitionPerMinute\":2}",
                g.getJSONObject("upgradeTransition").toJSONString());
        double counter = g.getDoubleValue("transitionCounter");
        assertTrue(counter >= 60 && counter < 61, "30 minutes at 2 points a minute: " + counter);
        assertEquals(java.time.Instant.ofEpochMilli(halfAnHourAgo).toString(), g.getString("transitionStart"));

        // The state file reads the start back, so the ramp goes on where it was.
        ClusterSpec stored = ClusterJson.parseStored(g, "cluster");
        assertEquals(halfAnHourAgo, stored.transitionStart().toEpochMilli());
        assertEquals(halfAnHourAgo, stored.toCluster("g").transitionStartMillis());
    }

    @Test
    void aStoredTransitionStartMustBeAnInstantOfAPerMinuteRamp() {
        JSONObject notAnInstant = JSON.parseObject("""
                {"version": "2.0", "servers": [{"hostname": "h", "port": 80}], "transitionStart": "yesterday",
                 "upgradeTransition": {"mode": "GRADUAL", "percentageTransitionPerMinute": 1}}""");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ClusterJson.parseStored(notAnInstant, "clusters[0].cluster"));
        assertEquals("clusters[0].cluster.transitionStart: must be an ISO-8601 instant such as \"2026-12-01T21:46:02Z\","
                + " was a string \"yesterday\"", e.getMessage());
        JSONObject perRequest = JSON.parseObject("""
                {"version": "2.0", "servers": [{"hostname": "h", "port": 80}], "transitionStart": "2026-12-01T21:46:02Z",
                 "upgradeTransition": {"mode": "GRADUAL", "percentageTransitionPerRequest": 1}}""");
        e = assertThrows(InvalidConfigException.class, () -> ClusterJson.parseStored(perRequest, "cluster"));
        assertEquals("cluster.transitionStart: only for mode GRADUAL with percentageTransitionPerMinute", e.getMessage());
    }

    @Test
    void getOutputReadsBackAsTheSameClusterForTheStateFile() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"uuid": "952c8557-2088-11e4-87e3-600308a8245e", "version": 2.50,
                 "servers": [{"hostname": "127.0.0.1", "port": 1036}],
                 "containers": [{"image": "nginx", "tag": "1.27", "portToProxy": 80, "environment": ["A=1"],
                                 "readyTimeout": 1.5, "networkMode": "host"}],
                 "upgradeTransition": {"mode": "GRADUAL", "percentageTransitionPerRequest": 2.5,
                                       "rollback": {"window": 40, "failureRatio": 0.25}}}}""");
        Cluster cluster = spec.toCluster(spec.uuid(), List.of(new Server("127.0.0.1", 49153)));
        cluster.state().countGradualRequest(2.5);
        String json = ClusterJson.toJson(cluster, spec.containers());

        // A body may not set what GET adds ...
        InvalidConfigException refused = assertThrows(InvalidConfigException.class, () -> ClusterJson.parseBody(json));
        assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
        // ... but the state file reads GET output back whole.
        ClusterSpec back = ClusterJson.parseStored(JSON.parseObject(json).get("cluster"), "cluster");
        assertEquals(spec, back);
        assertEquals("952c8557-2088-11e4-87e3-600308a8245e", back.uuid());
        assertEquals("2.50", back.version());
        // The container's own server appears under the container, not in servers.
        JSONObject c = JSON.parseObject(json).getJSONObject("cluster");
        assertEquals(1, c.getJSONArray("servers").size());
        assertEquals(49153, c.getJSONArray("containers").getJSONObject(0).getJSONObject("server").getIntValue("port"));
    }

    @Test
    void specJsonReadsBackUnchanged() {
        ClusterSpec spec = ClusterJson.parseBody("""
                {"cluster": {"uuid": "u-1", "version": "1.0", "servers": [{"hostname": "h", "port": 80}],
                 "upgradeTransition": {"mode": "CONCURRENT", "mirrorUnsafeMethods": true}}}""");
        ClusterSpec back = ClusterJson.parseCluster(ClusterJson.toJsonObject(spec), "cluster");
        assertEquals(spec, back);
    }

    /** Issue 12: h2c upgrades are stripped unless the cluster opts in; the choice survives GET and the state file. */
    @Test
    void h2cUpgradeIsOffUnlessTheClusterSaysSoAndReadsBackUnchanged() {
        String servers = "\"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 8080}]";
        assertFalse(ClusterJson.parseBody("{\"cluster\": {" + servers + "}}").h2cUpgrade());
        ClusterSpec allowed = ClusterJson.parseBody("{\"cluster\": {" + servers + ", \"h2cUpgrade\": true}}");
        assertTrue(allowed.h2cUpgrade());
        Cluster cluster = allowed.toCluster("u-1", List.of());
        assertTrue(cluster.h2cUpgrade());
        JSONObject shown = ClusterJson.toJsonObject(cluster, List.of()).getJSONObject("cluster");
        assertEquals(Boolean.TRUE, shown.get("h2cUpgrade"));
        assertTrue(ClusterJson.parseStored(shown, "cluster").h2cUpgrade());
        InvalidConfigException wrongType = assertThrows(InvalidConfigException.class,
                () -> ClusterJson.parseBody("{\"cluster\": {" + servers + ", \"h2cUpgrade\": \"yes\"}}"));
        assertTrue(wrongType.getMessage().contains("h2cUpgrade"), wrongType.getMessage());
    }
}
