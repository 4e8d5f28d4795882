package io.turnout.admin.config;

import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateFileTest {
    @TempDir
    Path dir;

    @Test
    void noFileYetMeansNothingSaved() {
        assertTrue(new StateFile(dir.resolve("state.json")).load().isEmpty());
    }

    @Test
    void savedClustersLoadBackOldestFirstWithUuidsModesAndContainers() throws IOException {
        ContainerSpec nginx = new ContainerSpec("nginx", "1.27", 80, List.of("A=1"), List.of(), "web", "host", null);
        ClusterSnapshot s = ClusterSnapshot.EMPTY
                .with(Cluster.builder("old", "1.0").servers(List.of(new Server("127.0.0.1", 1034))).build())
                .with(Cluster.builder("new", "2.0").mode(TransitionMode.SESSION).sessionTimeoutSeconds(60)
                        .servers(List.of(new Server("127.0.0.1", 1035), new Server("127.0.0.1", 49153))).build())
                .with(Cluster.builder("tie", "1.0").servers(List.of(new Server("127.0.0.1", 1036))).build());
        StateFile file = new StateFile(dir.resolve("state.json"));
        file.save(s.clusters(), Map.of("new", List.of(nginx))::get);

        List<ClusterSpec> back = file.load().orElseThrow();
        assertEquals(List.of("old", "new", "tie"), back.stream().map(ClusterSpec::uuid).toList());
        ClusterSpec upgraded = back.get(1);
        assertEquals(TransitionMode.SESSION, upgraded.mode());
        assertEquals(60, upgraded.sessionTimeoutSeconds());
        assertEquals(List.of(new ServerSpec("127.0.0.1", 1035)), upgraded.servers());
        assertEquals(List.of(nginx), upgraded.containers());

        // Re-adding in file order restores the routing order, ties included.
        ClusterSnapshot again = ClusterSnapshot.EMPTY;
        for (ClusterSpec spec : back) {
            again = again.with(spec.toCluster(spec.uuid(), spec.containers().isEmpty() ? List.of()
                    : List.of(new Server("127.0.0.1", 49154))));
        }
        assertEquals(s.clusters().stream().map(Cluster::uuid).toList(), again.clusters().stream().map(Cluster::uuid).toList());
    }

    @Test
    void saveReplacesTheFileAndLeavesNoTempFiles() throws IOException {
        StateFile file = new StateFile(dir.resolve("state.json"));
        file.save(List.of(Cluster.builder("a", "1").servers(List.of(new Server("h", 1))).build()), u -> null);
        file.save(List.of(), u -> null);
        assertEquals(List.of(), file.load().orElseThrow());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("state.json")), files.toList());
        }
    }

    @Test
    void tornFileIsReportedAndRefused() throws IOException {
        Path path = dir.resolve("state.json");
        StateFile file = new StateFile(path);
        file.save(List.of(Cluster.builder("a", "1").servers(List.of(new Server("h", 1))).build()), u -> null);
        String whole = Files.readString(path);
        Files.writeString(path, whole.substring(0, whole.length() / 2));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, file::load);
        assertTrue(e.getMessage().startsWith(path + ": state file cannot be loaded: not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().endsWith("delete it to start from the config file's clusters"), e.getMessage());
    }

    @Test
    void foreignOrInconsistentFilesAreRefused() throws IOException {
        Path path = dir.resolve("state.json");
        StateFile file = new StateFile(path);
        String cluster = "{\"cluster\": {\"uuid\": \"a\", \"servers\": [{\"hostname\": \"h\", \"port\": 1}]}}";
        Map<String, String> cases = Map.of(
                "{\"clusters\": []}", "turnoutState: required",
                "{\"turnoutState\": 2, \"clusters\": []}", "turnoutState: must be 1-1, was 2",
                "{\"turnoutState\": 1, \"clusters\": [" + cluster + "," + cluster + "]}", "clusters[1].cluster.uuid: appears twice",
                "{\"turnoutState\": 1, \"clusters\": [{\"cluster\": {\"servers\": [{\"hostname\": \"h\", \"port\": 1}]}}]}",
                "clusters[0].cluster.uuid: required in a state file");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(path, c.getKey());
            InvalidConfigException e = assertThrows(InvalidConfigException.class, file::load);
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
        }
    }
}
