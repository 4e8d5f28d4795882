package io.turnout.admin;

import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.admin.state.StateFile;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.testsupport.RawHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TurnoutProcessTest {
    @TempDir
    Path dir;

    private static TurnoutConfig config(Path stateFile, List<ClusterSpec> clusters) {
        return new TurnoutConfig("test", ProxySettings.builder(0).hostname("127.0.0.1").build(),
                new ConfigServiceSpec("127.0.0.1", 0, null), null, stateFile, clusters);
    }

    /** Starts, reads the published snapshot, stops. */
    private static ClusterSnapshot startedSnapshot(TurnoutProcess p) throws Exception {
        try {
            p.start();
            return p.writer().snapshot();
        } finally {
            p.stop();
        }
    }

    private static List<String> uuids(ClusterSnapshot s) {
        return s.clusters().stream().map(Cluster::uuid).toList();
    }

    @Test
    void configClustersAreAddedInFileOrder() throws Exception {
        ClusterSpec a = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))).withUuid("a");
        ClusterSpec b = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1035))).withUuid("b");
        ClusterSnapshot s = startedSnapshot(new TurnoutProcess(config(null, List.of(a, b))));
        // Equal versions: the one added later ranks first (SPEC §1).
        assertEquals(List.of("b", "a"), uuids(s));
    }

    @Test
    void anExistingStateFileTakesPrecedenceOverTheConfig() throws Exception {
        Path state = dir.resolve("state.json");
        new StateFile(state, uuid -> List.of()).write(ClusterSnapshot.EMPTY.with(Cluster.builder("saved", "2.0")
                .servers(List.of(new Server("127.0.0.1", 1035))).build()));
        ClusterSpec fromConfig = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034)));
        ClusterSnapshot s = startedSnapshot(new TurnoutProcess(config(state, List.of(fromConfig))));
        assertEquals(List.of("saved"), uuids(s));
    }

    @Test
    void withoutAStateFileTheConfigClustersAreSavedAtStart() throws Exception {
        Path state = dir.resolve("state.json");
        ClusterSpec fromConfig = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))).withUuid("c1");
        startedSnapshot(new TurnoutProcess(config(state, List.of(fromConfig))));
        assertEquals(List.of("c1"), StateFile.load(state).stream().map(ClusterSpec::uuid).toList());
    }

    @Test
    void theAdminApiIsUpOnceStartReturnsAndGoneAfterStop() throws Exception {
        TurnoutProcess p = new TurnoutProcess(config(null, List.of()));
        try {
            p.start();
            assertTrue(p.admin().port() > 0);
            assertEquals(200, RawHttpClient.get(p.admin().port(), "/status").status());
        } finally {
            p.stop();
        }
        int port = p.admin().port();
        assertThrows(UncheckedIOException.class,
                () -> RawHttpClient.get(port, "/status"));
    }

    @Test
    void anUnusableDockerHostStopsTheStartOnlyWhenAClusterHasContainers() throws Exception {
        ClusterSpec plain = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034)));
        Map<String, String> env = Map.of("DOCKER_HOST", "ssh://me@docker");
        ClusterSnapshot s = startedSnapshot(new TurnoutProcess(config(null, List.of(plain)), env));
        assertEquals(1, s.size());

        ClusterSpec containers = ClusterJson.parseBody("""
                {"cluster": {"version": "2", "containers": [{"image": "nginx", "portToProxy": 80}]}}""");
        TurnoutProcess p = new TurnoutProcess(config(null, List.of(containers)), env);
        try {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, p::start);
            assertTrue(e.getMessage().startsWith("test: cluster version 2 has containers, but DOCKER_HOST ssh://me@docker"
                    + " is not supported"), e.getMessage());
            assertNull(p.engine(), "nothing listens");
        } finally {
            p.stop();
        }
    }
}
