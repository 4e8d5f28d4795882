package io.turnout.admin.store;

import io.turnout.admin.catalog.ApiException;
import io.turnout.admin.catalog.SharedClusters;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.EtcdEndpoint;
import io.turnout.admin.config.EtcdSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.health.RollbackListener;
import io.turnout.engine.http.Ascii;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fleet's clusters, shared through etcd (SPEC §10). This proxy's admin PUT and DELETE are
 * written to etcd first (create-if-absent, so a uuid taken anywhere is a 409) and answered once
 * this proxy's own snapshot has the change; every other proxy applies it from its watch. A
 * rollback this proxy decides deletes the version's key, with a note naming this proxy, so the
 * whole fleet drops it; when two proxies decide at once, the key is deleted once (the delete
 * compares the revision both saw) and each proxy logs it once.
 *
 * <p>etcd calls run on one thread of their own ({@code turnout-etcd}), never on a selector: the
 * admin API's futures complete from there. The same thread sends a heartbeat every second to the
 * member the watch is on, which measures the watch's lag and moves a watch off a member that
 * stopped answering.
 */
public final class FleetClusters implements SharedClusters, RollbackListener, AutoCloseable {
    static final long HEARTBEAT_MILLIS = 1_000;
    private static final String CLUSTERS = "/configuration/cluster";

    private record PendingRollback(String version, String reason, long keyRevision) {
    }

    private final EtcdClient client;
    private final ClusterKeys keys;
    private final FleetMirror mirror;
    private final WatchLoop watch;
    private final String name;
    private final ScheduledExecutorService calls = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnout-etcd");
        t.setDaemon(true);
        return t;
    });
    /** Rollbacks this proxy decided whose key is not deleted yet (etcd was unreachable): by uuid. */
    private final Map<String, PendingRollback> pendingRollbacks = new ConcurrentHashMap<>();
    private final AtomicLong etcdRevision = new AtomicLong();

    private FleetClusters(EtcdClient client, ClusterKeys keys, SnapshotWriter writer, EventLog events, String name) {
        this.client = client;
        this.keys = keys;
        this.mirror = new FleetMirror(writer, keys, events);
        this.watch = new WatchLoop(client, keys, mirror);
        this.name = name;
    }

    /**
     * Connects, writes the config file's clusters when etcd holds none under the prefix, reads
     * the prefix into the snapshot and starts watching. Returns once the snapshot holds the
     * fleet's clusters, so the proxy may start routing.
     *
     * @param name this proxy's name in the rollbacks it decides
     * @throws InvalidConfigException naming {@code store.etcd} when no member can be reached
     */
    public static FleetClusters start(EtcdSpec spec, String name, SnapshotWriter writer, EventLog events,
                                      List<ClusterSpec> configClusters) {
        FleetClusters fleet = new FleetClusters(new EtcdClient(spec.endpoints(), spec.dialTimeout()),
                new ClusterKeys(spec.prefix()), writer, events, name);
        EtcdClient.Range range;
        try {
            fleet.seed(configClusters);
            range = fleet.client.range(fleet.keys.prefix());
        } catch (EtcdException e) {
            fleet.close();
            throw new InvalidConfigException("store.etcd", e.getMessage() + "; start etcd, or check store.etcd.endpoints");
        }
        fleet.etcdRevision.set(range.revision());
        fleet.mirror.read(range, true).join();
        fleet.watch.start(range.revision() + 1);
        fleet.calls.scheduleWithFixedDelay(fleet::heartbeat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        Logger.info("Sharing clusters through etcd {} under {} as proxy {}: {} cluster(s) at revision {}",
                spec.endpoints(), spec.prefix(), name, writer.snapshot().size(), range.revision());
        return fleet;
    }

    /** SPEC §10: the config file's clusters are written only when the prefix holds none. */
    private void seed(List<ClusterSpec> configClusters) throws EtcdException {
        if (configClusters.isEmpty()) {
            return;
        }
        for (int i = 0; i < configClusters.size(); i++) {
            ClusterSpec spec = configClusters.get(i);
            ClusterSpec named = spec.withUuid(spec.uuid() != null ? spec.uuid().toLowerCase(Locale.ROOT)
                    : ClusterSpec.newUuid());
            String key = keys.clusterKey(named.uuid());
            // One transaction per cluster, so each gets its own creating revision, in file order; the
            // first only into an empty prefix, so of proxies starting together exactly one seeds.
            Txn txn = i == 0 ? new Txn().ifNoKeysUnder(keys.clustersPrefix()) : new Txn().ifAbsent(key);
            if (!client.txn(txn.put(key, ClusterKeys.encode(named))).succeeded()) {
                if (i == 0) {
                    Logger.info("etcd already holds clusters under {}: the config file's clusters are not written",
                            keys.clustersPrefix());
                    return;
                }
                Logger.warn("Config cluster version {} was not written to etcd: its uuid {} is already there",
                        named.version(), named.uuid());
            }
        }
        Logger.info("Wrote the config file's {} cluster(s) to etcd under {}", configClusters.size(), keys.clustersPrefix());
    }

    // ---- admin PUT and DELETE -------------------------------------------------------------------

    @Override
    public CompletableFuture<String> create(ClusterSpec spec) {
        String uuid = spec.uuid();
        String key = keys.clusterKey(uuid);
        mirror.ownChangeBegins(uuid);
        return CompletableFuture.supplyAsync(() -> {
            try {
                // Also drops a rollback note an earlier cluster of this uuid left behind.
                EtcdClient.TxnResult r = client.txn(new Txn().ifAbsent(key).put(key, ClusterKeys.encode(spec))
                        .delete(keys.rollbackKey(uuid)));
                etcdRevision.accumulateAndGet(r.revision(), Math::max);
                if (!r.succeeded()) {
                    throw new ApiException(409, "cluster.uuid: " + uuid + " is already in use in the fleet (etcd key "
                            + key + "); leave uuid out to get a new one, or DELETE " + CLUSTERS + "/" + uuid
                            + " first");
                }
                return r.revision();
            } catch (EtcdException e) {
                throw unavailable(e, "the cluster was not added");
            }
        }, calls).thenCompose(revision -> mirror.created(uuid, spec, revision))
                .whenComplete((snapshot, e) -> mirror.ownChangeEnds(uuid))
                .thenApply(snapshot -> uuid);
    }

    @Override
    public CompletableFuture<Cluster> delete(String uuid) {
        String key = keys.clusterKey(uuid);
        mirror.ownChangeBegins(uuid);
        return CompletableFuture.supplyAsync(() -> {
            try {
                EtcdClient.Deleted d = client.delete(key);
                etcdRevision.accumulateAndGet(d.revision(), Math::max);
                if (d.previous().isEmpty()) {
                    throw new ApiException(404, "no cluster with uuid " + Ascii.printable(uuid) + " in etcd; list them"
                            + " with GET " + CLUSTERS);
                }
                return d;
            } catch (EtcdException e) {
                throw unavailable(e, "the cluster was not deleted");
            }
        }, calls).thenCompose(d -> mirror.deleted(uuid, previous(d.previous().get(0), uuid), d.revision()))
                .whenComplete((cluster, e) -> mirror.ownChangeEnds(uuid));
    }

    /** What the key held before our DELETE, for the event when this proxy did not have it. */
    private ClusterSpec previous(KeyValue kv, String uuid) {
        try {
            return keys.decode(kv);
        } catch (InvalidConfigException e) {
            return ClusterSpec.instant("(unreadable)", List.of()).withUuid(uuid);
        }
    }

    private static ApiException unavailable(EtcdException e, String consequence) {
        if (!e.unreachable()) {
            return new ApiException(502, e.getMessage() + "; " + consequence);
        }
        if (e.uncertain()) {
            return new ApiException(503, e.getMessage() + "; GET " + CLUSTERS + " shows whether it was");
        }
        return new ApiException(503, e.getMessage() + "; " + consequence + ". PUT and DELETE need etcd; routing goes on "
                + "with this proxy's last clusters. Retry once etcd is back");
    }

    // ---- rollback ---------------------------------------------------------------------------------

    /** On the writer thread, inside the rollback's mutation: delete the version's key for the whole fleet. */
    @Override
    public void rolledBack(Cluster cluster, String reason) {
        long keyRevision = mirror.keyRevision(cluster.uuid());
        if (keyRevision == 0) {
            return; // its key is gone already: another proxy's rollback or a DELETE got there first
        }
        pendingRollbacks.put(cluster.uuid(), new PendingRollback(cluster.version(), reason, keyRevision));
        calls.execute(() -> deleteRolledBack(cluster.uuid()));
    }

    /** Deletes the key of a version this proxy rolled back, unless it changed since (then it is not ours to delete). */
    private void deleteRolledBack(String uuid) {
        PendingRollback p = pendingRollbacks.get(uuid);
        if (p == null) {
            return;
        }
        String key = keys.clusterKey(uuid);
        try {
            EtcdClient.TxnResult r = client.txn(new Txn().ifModRevision(key, p.keyRevision())
                    .put(keys.rollbackKey(uuid), new RollbackNote(name, p.version(), p.reason()).encode())
                    .delete(key));
            pendingRollbacks.remove(uuid, p);
            etcdRevision.accumulateAndGet(r.revision(), Math::max);
            if (r.succeeded()) {
                Logger.warn("Rolled back version {} for the whole fleet: deleted etcd key {} (revision {})", p.version(),
                        key, r.revision());
            } else {
                Logger.info("Version {} is already gone from etcd (another proxy rolled it back or deleted it)",
                        p.version());
            }
        } catch (EtcdException e) {
            // Safe to send again later: the comparison fails if this attempt did land.
            Logger.warn("Rolled back version {} here, but could not delete it from etcd ({}); the other proxies keep "
                    + "it until etcd is back and this proxy retries", p.version(), e.getMessage());
        }
    }

    // ---- heartbeat --------------------------------------------------------------------------------

    private void heartbeat() {
        EtcdClient.Watch w = watch.current();
        if (w == null) {
            return; // the watch loop is reconnecting
        }
        EtcdClient.Range range;
        try {
            range = client.rangeKeysOn(w.member(), keys.clustersPrefix());
        } catch (EtcdException e) {
            Logger.warn("etcd member {} did not answer a heartbeat ({}); watching through another member", w.member(),
                    e.getMessage());
            client.avoid(w.member());
            w.abort();
            return;
        }
        etcdRevision.accumulateAndGet(range.revision(), Math::max);
        mirror.checkInStep(range);
        for (String uuid : pendingRollbacks.keySet()) {
            deleteRolledBack(uuid);
        }
    }

    // ---- status and metrics -------------------------------------------------------------------

    /** Whether the watch is live. */
    public boolean connected() {
        return watch.current() != null;
    }

    /** etcd revisions this proxy has not applied yet, as of the last answer from etcd. */
    public long lagRevisions() {
        return Math.max(0, etcdRevision.get() - mirror.revision());
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        EtcdClient.Watch w = watch.current();
        s.put("type", "etcd");
        s.put("status", w != null ? "UP" : "DOWN");
        s.put("proxy", name);
        s.put("endpoints", client.endpoints().stream().map(EtcdEndpoint::toString).toList());
        s.put("prefix", keys.prefix());
        if (w != null) {
            s.put("member", w.member().toString());
        } else {
            s.put("error", watch.lastError());
            Instant since = watch.downSince();
            s.put("downSince", since == null ? null : since.toString());
        }
        s.put("revision", mirror.revision());
        s.put("lagRevisions", lagRevisions());
        s.put("pendingRollbacks", pendingRollbacks.size());
        return s;
    }

    /** The store's gauges in the Prometheus text format, appended to the proxy's {@code /metrics}. */
    public String metricsText() {
        return "# HELP turnout_store_connected Whether this proxy watches its clusters in etcd now (1) or not (0).\n"
                + "# TYPE turnout_store_connected gauge\n"
                + "turnout_store_connected " + (connected() ? 1 : 0) + "\n"
                + "# HELP turnout_store_revision The etcd revision this proxy's clusters reflect.\n"
                + "# TYPE turnout_store_revision gauge\n"
                + "turnout_store_revision " + mirror.revision() + "\n"
                + "# HELP turnout_store_watch_lag_revisions etcd revisions this proxy has not applied yet, as of etcd's "
                + "last answer (0 when in step).\n"
                + "# TYPE turnout_store_watch_lag_revisions gauge\n"
                + "turnout_store_watch_lag_revisions " + lagRevisions() + "\n"
                + "# HELP turnout_store_pending_rollbacks Rollbacks this proxy decided that etcd does not have yet.\n"
                + "# TYPE turnout_store_pending_rollbacks gauge\n"
                + "turnout_store_pending_rollbacks " + pendingRollbacks.size() + "\n";
    }

    @Override
    public void close() {
        watch.close();
        calls.shutdownNow();
        try {
            calls.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
