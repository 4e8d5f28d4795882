package io.turnout.admin.store;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.engine.health.Event;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This proxy's copy of the fleet's clusters in etcd (SPEC §10). Every change etcd reports (a
 * watch message, a full read, the answer to this proxy's own write) becomes one mutation on the
 * single writer, the same queue as every other change, and is applied only when it is newer than
 * what this proxy already has of that key. So a change that arrives twice (the answer to our own
 * PUT, then our own watch) is applied once, and an older one never undoes a newer one, whatever
 * the order the two paths reach the writer in.
 *
 * <p>What it knows of each key lives on the writer thread only: the revision of the last change
 * applied, and whether the key exists after it. A rollback this proxy decides removes the cluster
 * without touching that record: the key still exists in etcd until the delete lands, so etcd
 * showing it again (a read after a reconnect) brings nothing back.
 */
final class FleetMirror {
    private record KeyState(long revision, boolean exists) {
    }

    private final SnapshotWriter writer;
    private final ClusterKeys keys;
    private final EventLog events;
    /** uuids this proxy's admin API is writing now: the API records their events itself. */
    private final Set<String> ownChanges = ConcurrentHashMap.newKeySet();
    private final Map<String, KeyState> known = new HashMap<>();
    private final AtomicLong revision = new AtomicLong();

    FleetMirror(SnapshotWriter writer, ClusterKeys keys, EventLog events) {
        this.writer = writer;
        this.keys = keys;
        this.events = events;
    }

    /** The etcd revision this proxy's clusters are known to reflect. */
    long revision() {
        return revision.get();
    }

    /** This proxy is about to write {@code uuid}; until {@link #ownChangeEnds}, its changes are applied quietly. */
    void ownChangeBegins(String uuid) {
        ownChanges.add(uuid);
    }

    void ownChangeEnds(String uuid) {
        ownChanges.remove(uuid);
    }

    /** This proxy's PUT created the key at {@code created}; completes once the snapshot has it (or a newer change). */
    CompletableFuture<ClusterSnapshot> created(String uuid, ClusterSpec spec, long created) {
        return writer.submit(current -> applyPut(current, uuid, spec, created, created, false));
    }

    /**
     * This proxy's DELETE removed the key at {@code deleted}; completes with the cluster as this
     * proxy had it, or as etcd had it when this proxy did not.
     */
    CompletableFuture<Cluster> deleted(String uuid, ClusterSpec previous, long deleted) {
        AtomicReference<Cluster> removed = new AtomicReference<>();
        return writer.submit(current -> {
            Cluster local = current.byUuid(uuid);
            removed.set(local != null ? local : previous.toCluster(uuid));
            return applyDelete(current, uuid, deleted, null);
        }).thenApply(snapshot -> removed.get());
    }

    /** Applies one watch message: every event of one or more revisions, in order. */
    void watched(WatchResponse message) {
        writer.submit(current -> {
            Map<String, RollbackNote> notes = new HashMap<>();
            long newest = 0;
            for (WatchResponse.Event e : message.events()) {
                String uuid = keys.rollbackUuid(e.kv().key());
                if (uuid != null && !e.deleted()) {
                    notes.put(uuid, RollbackNote.decode(e.kv().value()));
                }
                newest = Math.max(newest, e.kv().modRevision());
            }
            ClusterSnapshot next = current;
            for (WatchResponse.Event e : message.events()) {
                KeyValue kv = e.kv();
                String uuid = keys.clusterUuid(kv.key());
                if (uuid == null) {
                    continue;
                }
                next = e.deleted() ? applyDelete(next, uuid, kv.modRevision(), notes.get(uuid))
                        : applyPut(next, uuid, kv, false);
            }
            advanceTo(newest);
            return next;
        });
    }

    /**
     * Makes the snapshot what etcd held at {@code range.revision()}: after a compaction, or at
     * start ({@code quiet}: the clusters a proxy starts with are not events).
     */
    CompletableFuture<ClusterSnapshot> read(EtcdClient.Range range, boolean quiet) {
        return writer.submit(current -> {
            Map<String, KeyValue> inEtcd = new HashMap<>();
            Map<String, KeyValue> notes = new HashMap<>();
            for (KeyValue kv : range.kvs()) {
                String uuid = keys.clusterUuid(kv.key());
                if (uuid != null) {
                    inEtcd.put(uuid, kv);
                } else if ((uuid = keys.rollbackUuid(kv.key())) != null) {
                    notes.put(uuid, kv);
                }
            }
            ClusterSnapshot next = current;
            for (Map.Entry<String, KeyState> k : Map.copyOf(known).entrySet()) {
                String uuid = k.getKey();
                // A key created after the read began (our own PUT, applied meanwhile) is not gone.
                if (k.getValue().exists() && !inEtcd.containsKey(uuid) && k.getValue().revision() <= range.revision()) {
                    KeyValue note = notes.get(uuid);
                    RollbackNote rollback = note != null && note.modRevision() > k.getValue().revision()
                            ? RollbackNote.decode(note.value()) : null;
                    next = applyDelete(next, uuid, range.revision(), rollback);
                }
            }
            for (Map.Entry<String, KeyValue> e : inEtcd.entrySet()) {
                next = applyPut(next, e.getKey(), e.getValue(), quiet);
            }
            advanceTo(range.revision());
            return next;
        });
    }

    /**
     * Compares a key-only read at revision R with what this proxy has applied. In step when every
     * key matches, or this proxy already has a newer change of it; then this proxy reflects R even
     * if other keys of etcd moved the revision on. Completes with whether it was in step.
     */
    CompletableFuture<Boolean> checkInStep(EtcdClient.Range clusterKeys) {
        boolean[] inStep = {true};
        return writer.submit(current -> {
            long r = clusterKeys.revision();
            Map<String, Long> inEtcd = new HashMap<>();
            for (KeyValue kv : clusterKeys.kvs()) {
                String uuid = keys.clusterUuid(kv.key());
                if (uuid != null) {
                    inEtcd.put(uuid, kv.modRevision());
                }
            }
            for (Map.Entry<String, Long> e : inEtcd.entrySet()) {
                KeyState k = known.get(e.getKey());
                if (k == null || !(k.revision() > r || (k.exists() && k.revision() == e.getValue()))) {
                    inStep[0] = false;
                }
            }
            for (Map.Entry<String, KeyState> k : known.entrySet()) {
                if (k.getValue().exists() && !inEtcd.containsKey(k.getKey()) && k.getValue().revision() <= r) {
                    inStep[0] = false;
                }
            }
            if (inStep[0]) {
                advanceTo(r);
            }
            return current;
        }).thenApply(snapshot -> inStep[0]);
    }

    /**
     * On the writer thread, inside the rollback's mutation: the revision that last wrote the key of
     * {@code uuid} (the version this proxy just rolled back), or 0 when it has no such key.
     */
    long keyRevision(String uuid) {
        KeyState k = known.get(uuid);
        return k != null && k.exists() ? k.revision() : 0;
    }

    private void advanceTo(long r) {
        revision.accumulateAndGet(r, Math::max);
    }

    // ---- one key, on the writer thread ----------------------------------------------------------

    private ClusterSnapshot applyPut(ClusterSnapshot current, String uuid, KeyValue kv, boolean quiet) {
        KeyState k = known.get(uuid);
        if (k != null && k.revision() >= kv.modRevision()) {
            return current;
        }
        ClusterSpec spec;
        try {
            spec = keys.decode(kv);
        } catch (InvalidConfigException e) {
            // Not ours to fix: keep routing what we had, and say which key to repair.
            known.put(uuid, new KeyState(kv.modRevision(), true));
            Logger.error("Ignoring etcd key {} (revision {}): {}; fix or delete the key", kv.key(), kv.modRevision(),
                    e.getMessage());
            return current;
        }
        return applyPut(current, uuid, spec, kv.createRevision(), kv.modRevision(), quiet);
    }

    private ClusterSnapshot applyPut(ClusterSnapshot current, String uuid, ClusterSpec spec, long created, long modified,
                                     boolean quiet) {
        KeyState k = known.get(uuid);
        if (k != null && k.revision() >= modified) {
            return current;
        }
        known.put(uuid, new KeyState(modified, true));
        // The creating revision orders equal versions, identically on every proxy.
        Cluster cluster = spec.toCluster(uuid).toBuilder().sequence(created).build();
        if (!quiet && !ownChanges.contains(uuid)) {
            Logger.info("Adding cluster from etcd - version: {} {} (revision {})", cluster.version(), cluster.servers(),
                    modified);
            events.record(Event.Type.UPGRADE, uuid, cluster.version(), null,
                    "added through etcd by another proxy (revision " + modified + ")");
        }
        return current.without(uuid).withSequenced(cluster);
    }

    private ClusterSnapshot applyDelete(ClusterSnapshot current, String uuid, long deleted, RollbackNote rollback) {
        KeyState k = known.get(uuid);
        if (k != null && k.revision() >= deleted) {
            return current;
        }
        known.put(uuid, new KeyState(deleted, false));
        Cluster cluster = current.byUuid(uuid);
        if (cluster == null) {
            return current; // this proxy rolled it back itself, or never had it
        }
        if (rollback != null) {
            // The thesis's line, once on every proxy, naming the one that decided.
            Logger.warn("Removing cluster from configuration - version: {} {} - rolled back by proxy {}: {}",
                    cluster.version(), cluster.servers(), rollback.proxy(), rollback.reason());
            events.record(Event.Type.ROLLBACK, uuid, cluster.version(), null,
                    "rolled back by proxy " + rollback.proxy() + ": " + rollback.reason());
        } else if (!ownChanges.contains(uuid)) {
            Logger.info("Removing cluster deleted in etcd - version: {} {} (revision {})", cluster.version(),
                    cluster.servers(), deleted);
            events.record(Event.Type.DELETE, uuid, cluster.version(), null,
                    "deleted through etcd by another proxy (revision " + deleted + ")");
        }
        return current.without(uuid);
    }
}
