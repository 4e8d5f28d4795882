package io.turnout.engine.route;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The clusters at one moment, highest version first. Immutable: selector threads read it through
 * one volatile reference and the {@link SnapshotWriter} replaces it whole.
 */
public final class ClusterSnapshot {
    /** Highest version first; equal versions by insertion, the newer first (SPEC §1). */
    public static final Comparator<Cluster> ROUTING_ORDER = Comparator
            .comparing(Cluster::version, VersionOrder.INSTANCE.reversed())
            .thenComparing(Comparator.comparingLong(Cluster::sequence).reversed());

    public static final ClusterSnapshot EMPTY = new ClusterSnapshot(new Cluster[0], 0, 0);

    private final Cluster[] clusters;
    private final long generation;
    private final long nextSequence;

    private ClusterSnapshot(Cluster[] clusters, long generation, long nextSequence) {
        this.clusters = clusters;
        this.generation = generation;
        this.nextSequence = nextSequence;
    }

    /** Counts every publication; tests and the state file use it to tell snapshots apart. */
    public long generation() {
        return generation;
    }

    public int size() {
        return clusters.length;
    }

    public boolean isEmpty() {
        return clusters.length == 0;
    }

    /** The cluster at {@code rank}: 0 is the newest (L), 1 the previous (P). */
    public Cluster get(int rank) {
        return clusters[rank];
    }

    /** L, or {@code null} when there are no clusters. */
    public Cluster newest() {
        return clusters.length > 0 ? clusters[0] : null;
    }

    /** P, or {@code null} when there is at most one cluster. */
    public Cluster previous() {
        return clusters.length > 1 ? clusters[1] : null;
    }

    public List<Cluster> clusters() {
        return List.of(clusters);
    }

    public Cluster byUuid(String uuid) {
        for (Cluster c : clusters) {
            if (c.uuid().equalsIgnoreCase(uuid)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Finds the cluster whose uuid equals {@code length} bytes of {@code buf} at {@code offset},
     * ignoring ASCII case. Reads absolute positions, so it neither moves the buffer nor allocates.
     */
    public Cluster byUuid(ByteBuffer buf, int offset, int length) {
        for (Cluster c : clusters) {
            byte[] uuid = c.uuidBytes();
            if (uuid.length == length && equalsIgnoreCase(uuid, buf, offset)) {
                return c;
            }
        }
        return null;
    }

    private static boolean equalsIgnoreCase(byte[] lower, ByteBuffer buf, int offset) {
        for (int i = 0; i < lower.length; i++) {
            int b = buf.get(offset + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** Adds a cluster, giving it the next insertion sequence. */
    public ClusterSnapshot with(Cluster cluster) {
        Cluster sequenced = cluster.toBuilder().sequence(nextSequence).build();
        Cluster[] next = Arrays.copyOf(clusters, clusters.length + 1);
        next[clusters.length] = sequenced;
        Arrays.sort(next, ROUTING_ORDER);
        return new ClusterSnapshot(next, generation + 1, nextSequence + 1);
    }

    /**
     * Adds a cluster that brings its own insertion sequence, so that equal versions rank alike on
     * every proxy of a fleet (SPEC §10: there it is the etcd revision that created the cluster's
     * key). Later {@link #with} calls number after it.
     */
    public ClusterSnapshot withSequenced(Cluster cluster) {
        Cluster[] next = Arrays.copyOf(clusters, clusters.length + 1);
        next[clusters.length] = cluster;
        Arrays.sort(next, ROUTING_ORDER);
        return new ClusterSnapshot(next, generation + 1, Math.max(nextSequence, cluster.sequence() + 1));
    }

    /** Replaces the cluster with the same uuid (ejection, re-admission); order is unchanged. */
    public ClusterSnapshot replacing(Cluster cluster) {
        Cluster[] next = clusters.clone();
        for (int i = 0; i < next.length; i++) {
            if (next[i].uuid().equals(cluster.uuid())) {
                next[i] = cluster;
                return new ClusterSnapshot(next, generation + 1, nextSequence);
            }
        }
        return this;
    }

    public ClusterSnapshot without(String uuid) {
        List<Cluster> kept = new ArrayList<>(clusters.length);
        for (Cluster c : clusters) {
            if (!c.uuid().equalsIgnoreCase(uuid)) {
                kept.add(c);
            }
        }
        if (kept.size() == clusters.length) {
            return this;
        }
        return new ClusterSnapshot(kept.toArray(new Cluster[0]), generation + 1, nextSequence);
    }
}
