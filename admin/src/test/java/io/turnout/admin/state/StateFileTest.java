package io.turnout.admin.state;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.api.AdminFixture;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.route.TransitionMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateFileTest {
    @TempDir
    Path dir;
    private final List<AdminFixture> running = new ArrayList<>();

    @AfterEach
    void stop() {
        running.forEach(AdminFixture::close);
    }

    /** A proxy's admin side as the launcher wires it: clusters at start, then the state file. */
    private AdminFixture startWithState(Path state, List<ClusterSpec> configClusters) {
        AdminFixture admin = AdminFixture.start();
        running.add(admin);
        for (ClusterSpec spec : StateFile.clustersAtStart(state, configClusters)) {
            admin.catalog.add(spec).join();
        }
        StateFile.attach(state, admin.catalog);
        return admin;
    }

    private static String put(AdminFixture admin, String body) {
        var r = admin.send("PUT", "/configuration/cluster", body);
        assertEquals(202, r.statusCode(), r.body());
        return r.body();
    }

    private static String body(String version, int port, String transition) {
        return "{\"cluster\": {\"version\": \"" + version + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + port + "}]" + (transition == null ? "" : ", \"upgradeTransition\": " + transition) + "}}";
    }

    private static List<String> uuids(List<ClusterSpec> specs) {
        return specs.stream().map(ClusterSpec::uuid).toList();
    }

    @Test
    void everyPutAndDeleteIsOnDiskWhenIts202Arrives() throws IOException {
        Path state = dir.resolve("turnout-state.json");
        AdminFixture admin = startWithState(state, List.of());
        assertEquals(List.of(), StateFile.load(state));

        String a = put(admin, body("1.0", 1034, null));
        assertEquals(List.of(a), uuids(StateFile.load(state)));
        String b = put(admin, body("2.0", 1035, null));
        assertEquals(List.of(a, b), uuids(StateFile.load(state)));

        assertEquals(202, admin.send("DELETE", "/configuration/cluster/" + a, null).statusCode());
        assertEquals(List.of(b), uuids(StateFile.load(state)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(state), files.toList(), "no temp file is left behind");
        }
    }

    @Test
    void aRestartRestoresEveryClusterWithItsUuidAndOrder() {
        Path state = dir.resolve("state.json");
        AdminFixture first = startWithState(state, List.of());
        put(first, body("1.9", 1001, null));
        put(first, body("1.10", 1002, "{\"mode\": \"SESSION\", \"sessionTimeout\": 60}"));
        put(first, body("1.10", 1003, "{\"mode\": \"GRADUAL\", \"percentageTransitionPerRequest\": 2.5}"));
        put(first, "{\"cluster\": {\"uuid\": \"mine\", \"version\": \"0.9\", \"servers\": [{\"hostname\": \"127.0.0.1\", "
                + "\"port\": 1004}, {\"ip\": \"127.0.0.1\", \"port\": 1005}], \"upgradeTransition\": {\"mode\": \"CONCURRENT\", "
                + "\"mirrorUnsafeMethods\": true, \"rollback\": {\"consecutiveFailures\": 5, \"window\": 10, \"failureRatio\": 0.3}}}}");
        String before = first.send("GET", "/configuration/cluster", null).body();
        first.close();
        running.remove(first);

        List<ClusterSpec> config = List.of(ClusterSpec.instant("9.9", List.of(new ServerSpec("127.0.0.1", 9999))));
        AdminFixture second = startWithState(state, config);
        String after = second.send("GET", "/configuration/cluster", null).body();
        assertEquals(JSON.parseArray(before), JSON.parseArray(after), "same clusters, uuids, order and settings");
        assertEquals(4, JSON.parseArray(after).size(), "the state file wins over the config's clusters");
    }

    /** SPEC §2, §5: the state file keeps a per-minute ramp's start, not its counter, so the ramp goes on. */
    @Test
    void aPerMinuteRampKeepsItsStartAcrossARestart() {
        Path state = dir.resolve("state.json");
        AdminFixture first = startWithState(state, List.of());
        long before = System.currentTimeMillis();
        String uuid = put(first, body("2.0", 1035, "{\"mode\": \"GRADUAL\", \"percentageTransitionPerMinute\": 1}"));
        JSONObject added = JSON.parseObject(first.send("GET", "/configuration/cluster/" + uuid, null).body())
                .getJSONObject("cluster");
        long start = Instant.parse(added.getString("transitionStart")).toEpochMilli();
        assertTrue(start >= before && start <= System.currentTimeMillis(), "the ramp starts when the PUT adds it");
        first.close();
        running.remove(first);

        AdminFixture second = startWithState(state, List.of());
        JSONObject restored = JSON.parseObject(second.send("GET", "/configuration/cluster/" + uuid, null).body())
                .getJSONObject("cluster");
        assertEquals(added.getString("transitionStart"), restored.getString("transitionStart"));
        assertEquals(start, second.writer.snapshot().byUuid(uuid).transitionStartMillis());
    }

    @Test
    void aRestoredRampThatStartedHalfAnHourAgoIsAtThirtyAtOnePointAMinute() throws IOException {
        Path state = dir.resolve("state.json");
        Files.writeString(state, """
                {"turnoutState": 1, "clusters": [{"cluster": {"uuid": "ramp", "version": "2.0",
                  "servers": [{"hostname": "127.0.0.1", "port": 1035}], "transitionCounter": 0,
                  "transitionStart": "%s",
                  "upgradeTransition": {"mode": "GRADUAL", "percentageTransitionPerMinute": 1}}}]}
                """.formatted(Instant.now().minusSeconds(30 * 60)));
        AdminFixture admin = startWithState(state, List.of());
        double counter = JSON.parseObject(admin.send("GET", "/configuration/cluster/ramp", null).body())
                .getJSONObject("cluster").getDoubleValue("transitionCounter");
        assertTrue(counter >= 30 && counter < 31, "the stored counter (0) is not what counts: " + counter);
    }

    @Test
    void withoutAStateFileTheConfigClustersAreUsedAndWritten() {
        Path state = dir.resolve("sub/dir/state.json");
        List<ClusterSpec> config = List.of(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))));
        assertEquals(config, StateFile.clustersAtStart(state, config));
        assertEquals(config, StateFile.clustersAtStart(null, config));
        AdminFixture admin = startWithState(state, config);
        List<ClusterSpec> saved = StateFile.load(state);
        assertEquals(1, saved.size());
        assertEquals(admin.writer.snapshot().get(0).uuid(), saved.get(0).uuid());
    }

    @Test
    void aStateFileWithNoClustersStillWins() throws IOException {
        Path state = dir.resolve("state.json");
        Files.writeString(state, "{\"turnoutState\": 1, \"clusters\": []}");
        List<ClusterSpec> config = List.of(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))));
        assertEquals(List.of(), StateFile.clustersAtStart(state, config));
    }

    @Test
    void ejectionsDoNotRewriteTheFile() throws IOException {
        Path state = dir.resolve("state.json");
        AdminFixture admin = startWithState(state, List.of());
        String uuid = put(admin, body("1.0", 1034, null));
        Files.delete(state);
        Cluster c = admin.writer.snapshot().byUuid(uuid);
        admin.writer.submit(s -> s.replacing(c.withEjected(c.servers().get(0), true))).join();
        assertFalse(Files.exists(state));
        put(admin, body("2.0", 1035, null));
        assertTrue(Files.exists(state));
    }

    @Test
    void aFailedWriteIsLoggedAndTheChangeStaysLive() throws IOException {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        SnapshotWriter writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        try {
            writer.addListener(new StateFile(blocker.resolve("state.json"), uuid -> List.of()));
            Cluster c = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))).toCluster("u1");
            ClusterSnapshot s = writer.submit(current -> current.with(c)).join();
            assertNotNull(s.byUuid("u1"));
        } finally {
            writer.close();
        }
    }

    @Test
    void aFileCutInHalfFailsToLoadWithAMessageNamingTheFile() throws IOException {
        Path state = dir.resolve("state.json");
        AdminFixture admin = startWithState(state, List.of());
        put(admin, body("1.0", 1034, null));
        put(admin, body("2.0", 1035, "{\"mode\": \"SESSION\", \"sessionTimeout\": 60}"));
        byte[] whole = Files.readAllBytes(state);
        Files.write(state, java.util.Arrays.copyOf(whole, whole.length / 2));

        StateFileException e = assertThrows(StateFileException.class, () -> StateFile.load(state));
        assertTrue(e.getMessage().startsWith("state file " + state.toAbsolutePath() + " is torn or corrupt ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("fix it, or remove it to start from the config file's clusters"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(0, e.getStackTrace().length, "a user error carries no stack trace");
        assertThrows(StateFileException.class, () -> StateFile.clustersAtStart(state, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty           | ''",
            "not JSON        | garbage",
            "an array        | []",
            "no format       | {\"clusters\": []}",
            "other format    | {\"turnoutState\": 2, \"clusters\": []}",
            "unknown key     | {\"turnoutState\": 1, \"clusters\": [], \"x\": 1}",
            "no uuid         | {\"turnoutState\": 1, \"clusters\": [{\"cluster\": {\"servers\": [{\"hostname\": \"h\", \"port\": 1}]}}]}",
            "bad port        | {\"turnoutState\": 1, \"clusters\": [{\"cluster\": {\"uuid\": \"a\", \"servers\": [{\"hostname\": \"h\", \"port\": 0}]}}]}",
            "not wrapped     | {\"turnoutState\": 1, \"clusters\": [{\"uuid\": \"a\", \"servers\": [{\"hostname\": \"h\", \"port\": 1}]}]}",
            "twice           | {\"turnoutState\": 1, \"clusters\": [{\"cluster\": {\"uuid\": \"a\", \"servers\": [{\"hostname\": \"h\", \"port\": 1}]}}, {\"cluster\": {\"uuid\": \"A\", \"servers\": [{\"hostname\": \"h\", \"port\": 2}]}}]}",
    })
    void aCorruptFileFailsToLoadWithOneLineNamingTheFile(String name, String content) throws IOException {
        Path state = dir.resolve("state.json");
        Files.writeString(state, content, StandardCharsets.UTF_8);
        StateFileException e = assertThrows(StateFileException.class, () -> StateFile.load(state));
        assertTrue(e.getMessage().contains(state.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("fix it, or remove it"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void containersLoadBackWithTheIdsOfTheContainersThatRanThem() {
        Path state = dir.resolve("state.json");
        ContainerSpec nginx = new ContainerSpec("nginx", "1.27", 80, List.of("A=1"), List.of(), "web", "host", null,
                "4f2a9c0d1e");
        ClusterSnapshot s = ClusterSnapshot.EMPTY
                .with(Cluster.builder("old", "1.0").servers(List.of(new Server("127.0.0.1", 1034))).build())
                .with(Cluster.builder("new", "2.0").mode(TransitionMode.SESSION).sessionTimeoutSeconds(60)
                        .servers(List.of(new Server("127.0.0.1", 1035), new Server("127.0.0.1", 49153))).build());
        new StateFile(state, Map.of("new", List.of(nginx))::get).write(s);

        List<ClusterSpec> back = StateFile.load(state);
        assertEquals(List.of("old", "new"), uuids(back));
        ClusterSpec upgraded = back.get(1);
        assertEquals(TransitionMode.SESSION, upgraded.mode());
        assertEquals(60, upgraded.sessionTimeoutSeconds());
        // The container's own server (the last one) is shown under the container, not as a listed server.
        assertEquals(List.of(new ServerSpec("127.0.0.1", 1035)), upgraded.servers());
        assertEquals(List.of(nginx), upgraded.containers());
        assertTrue(upgraded.hasContainerIds());
    }

    @Test
    void theFileIsReadableJsonInTheGetShape() throws IOException {
        Path state = dir.resolve("state.json");
        AdminFixture admin = startWithState(state, List.of());
        String uuid = put(admin, body("1.0", 1034, null));
        JSONObject root = JSON.parseObject(Files.readString(state));
        assertEquals(1, root.getIntValue("turnoutState"));
        JSONArray clusters = root.getJSONArray("clusters");
        assertEquals(uuid, clusters.getJSONObject(0).getJSONObject("cluster").getString("uuid"));
    }
}
