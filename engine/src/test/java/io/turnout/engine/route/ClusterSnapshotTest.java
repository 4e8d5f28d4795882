package io.turnout.engine.route;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The snapshot's ordering rules (SPEC §1), for clusters that bring their insertion order along. */
class ClusterSnapshotTest {
    private static Cluster cluster(String uuid, String version, long sequence) {
        return Cluster.builder(uuid, version).servers(List.of(new Server("127.0.0.1", 1))).sequence(sequence).build();
    }

    @Test
    void equalVersionsRankByTheSequenceTheyBringNotByArrival() {
        ClusterSnapshot s = ClusterSnapshot.EMPTY
                .withSequenced(cluster("later", "2.0", 40))
                .withSequenced(cluster("earlier", "2.0", 7))
                .withSequenced(cluster("old", "1.0", 90));
        assertEquals(List.of("later", "earlier", "old"), s.clusters().stream().map(Cluster::uuid).toList());
    }

    @Test
    void aClusterAddedAfterASequencedOneNumbersAfterIt() {
        ClusterSnapshot s = ClusterSnapshot.EMPTY.withSequenced(cluster("fleet", "2.0", 40))
                .with(cluster("local", "2.0", 0));
        assertEquals(41, s.byUuid("local").sequence());
        assertEquals("local", s.newest().uuid());
    }
}
