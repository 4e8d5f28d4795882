package io.turnout.admin;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.StateFile;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.ProxySettings;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TurnoutProcessTest {
    @TempDir
    Path dir;

    private static TurnoutConfig config(Path stateFile, List<ClusterSpec> clusters) {
        return new TurnoutConfig("test", ProxySettings.builder(0).hostname("127.0.0.1").build(),
                new ConfigServiceSpec("127.0.0.1", 0, null), null, stateFile, clusters);
    }

    /** Starts as far as the engine allows (while it is a stub, start() stops there), then stops. */
    private static ClusterSnapshot startedSnapshot(TurnoutProcess p) throws Exception {
        try {
            p.start();
        } catch (UnsupportedOperationException engineNotBuiltYet) {
            // The snapshot is built before the engine starts; that is what these tests check.
        }
        try {
            return p.writer().snapshot();
        } finally {
            p.stop();
        }
    }

    @Test
    void configClustersAreAddedInFileOrder() throws Exception {
        ClusterSpec a = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))).withUuid("a");
        ClusterSpec b = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1035))).withUuid("b");
        ClusterSnapshot s = startedSnapshot(new TurnoutProcess(config(null, List.of(a, b)), TurnoutProcess.NO_DOCKER));
        // Equal versions: the one added later ranks first (SPEC §1).
        assertEquals(List.of("b", "a"), s.clusters().stream().map(Cluster::uuid).toList());
    }

    @Test
    void anExistingStateFileTakesPrecedenceOverTheConfig() throws Exception {
        Path state = dir.resolve("state.json");
        new StateFile(state).save(List.of(Cluster.builder("saved", "2.0")
                .servers(List.of(new Server("127.0.0.1", 1035))).build()), u -> null);
        ClusterSpec fromConfig = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034)));
        ClusterSnapshot s = startedSnapshot(new TurnoutProcess(config(state, List.of(fromConfig)), TurnoutProcess.NO_DOCKER));
        assertEquals(List.of("saved"), s.clusters().stream().map(Cluster::uuid).toList());
    }

    @Test
    void withoutAStateFileTheConfigClustersAreSavedAtStart() throws Exception {
        Path state = dir.resolve("state.json");
        ClusterSpec fromConfig = ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", 1034))).withUuid("c1");
        startedSnapshot(new TurnoutProcess(config(state, List.of(fromConfig)), TurnoutProcess.NO_DOCKER));
        List<ClusterSpec> saved = new StateFile(state).load().orElseThrow();
        assertEquals(List.of("c1"), saved.stream().map(ClusterSpec::uuid).toList());
    }
}
