package io.turnout.admin.api;

import io.turnout.admin.takeover.Handover;
import java.time.Duration;
import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import com.alibaba.fastjson2.JSONWriter;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.LevelTags;
import io.turnout.admin.dashboard.EventJson;
import io.turnout.admin.dashboard.StatsTable;
import io.turnout.engine.health.Event;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.http.Ascii;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.tls.TlsContext;
import org.tinylog.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The endpoints of SPEC §4. Handlers run on the admin selector thread and never block: PUT and
 * DELETE answer when the snapshot writer's future completes (after publication), and PUT of a
 * Docker-managed cluster first waits for its containers without holding the loop.
 */
public final class AdminApi implements AdminHandler {
    public static final String CLUSTERS = "/configuration/cluster";

    /** {@code GET /events} answers at most this many, newest first (SPEC §4: bounded). */
    public static final int EVENTS_KEPT = 256;

    private final ClusterCatalog catalog;
    private final Supplier<String> metrics;
    private final EventLog events;
    private final AdminRoutes routes;
    private final Handover handover;
    private final TlsEndpoints tls;

    /**
     * @param metrics Prometheus text for {@code GET /metrics}; called on the admin thread, so cheap
     * @param events  the proxy's event log: {@code GET /events} shows it, and a successful PUT or
     *                DELETE is recorded in it here (the engine records rollbacks and ejections)
     */
    public AdminApi(ClusterCatalog catalog, Supplier<String> metrics, EventLog events) {
        this(catalog, metrics, events, null);
    }

    /** @param handover this process's side of a takeover (SPEC §11), or null when it cannot be taken over */
    public AdminApi(ClusterCatalog catalog, Supplier<String> metrics, EventLog events, Handover handover) {
        this(catalog, metrics, events, handover, null);
    }

    /**
     * @param tls the proxy's certificate in force (SPEC §12), or null when it speaks plain HTTP:
     *            then {@code POST /tls/reload} is 409 and {@code GET /status} has no {@code tls}
     */
    public AdminApi(ClusterCatalog catalog, Supplier<String> metrics, EventLog events, Handover handover,
                    TlsContext tls) {
        this.catalog = catalog;
        this.metrics = metrics;
        this.events = events;
        this.handover = handover;
        this.tls = new TlsEndpoints(tls);
        this.routes = new AdminRoutes()
                .add("PUT", CLUSTERS, (r, p) -> putCluster(r))
                .add("GET", CLUSTERS, (r, p) -> listClusters())
                .add("GET", CLUSTERS + "/", (r, p) -> listClusters())
                .add("GET", CLUSTERS + "/{uuid}", (r, p) -> getCluster(p.get(0)))
                .add("DELETE", CLUSTERS + "/{uuid}", (r, p) -> deleteCluster(p.get(0)))
                .add("GET", "/status", (r, p) -> status(r))
                .add("GET", "/metrics", (r, p) -> done(new AdminResponse(200, AdminResponse.PROMETHEUS,
                        this.metrics.get().getBytes(StandardCharsets.UTF_8), Map.of())))
                .add("GET", "/events", (r, p) -> events(r))
                .add("POST", TlsEndpoints.RELOAD, (r, p) -> this.tls.reload(r));
        if (handover != null) {
            routes.add("POST", "/takeover", (r, p) -> beginHandover(r))
                    .add("POST", "/takeover/commit", (r, p) -> done(handover.commit() ? AdminResponse.empty(202)
                            : AdminResponse.error(409, "no hand-over is under way: it lapsed after its hold, or was"
                            + " aborted; start the takeover again")))
                    .add("POST", "/takeover/abort", (r, p) -> {
                        handover.abort();
                        return done(AdminResponse.empty(202));
                    });
        }
    }

    /** {@code POST /takeover?hold=SECONDS}: freezes admin changes and answers the whole state. */
    private CompletableFuture<AdminResponse> beginHandover(AdminRequest request) {
        Duration hold = Handover.DEFAULT_HOLD;
        String query = request.query();
        if (query != null) {
            if (!query.matches("hold=[1-9][0-9]{0,3}")) {
                return done(AdminResponse.error(400, "query: expected hold=SECONDS (1 to 9999), got "
                        + Ascii.printable(query)));
            }
            hold = Duration.ofSeconds(Integer.parseInt(query.substring(5)));
        }
        try {
            return done(AdminResponse.json(200, handover.begin(hold)));
        } catch (IllegalStateException e) {
            return done(AdminResponse.error(409, e.getMessage()));
        }
    }

    /** SPEC §11: while handing over, a change would miss the state already sent; the client retries. */
    private CompletableFuture<AdminResponse> frozenRefusal() {
        return done(AdminResponse.error(503, "handing over to a new Turnout; retry in a second")
                .withHeader("Retry-After", "1"));
    }

    /** Adds an endpoint beside those of SPEC §4 (the dashboard's). */
    public AdminApi route(String method, String pattern, AdminRoutes.Route route) {
        routes.add(method, pattern, route);
        return this;
    }

    /** Adds an endpoint that needs no token; only for what holds no data (the dashboard page). */
    public AdminApi publicRoute(String method, String pattern, AdminRoutes.Route route) {
        routes.addPublic(method, pattern, route);
        return this;
    }

    @Override
    public boolean isPublic(AdminRequest request) {
        return routes.isPublic(request);
    }

    /** No metrics, and an event log of its own. */
    public AdminApi(ClusterCatalog catalog) {
        this(catalog, () -> "", new EventLog(EVENTS_KEPT));
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        return routes.handle(request);
    }

    /** 202 with the uuid as text/plain once the cluster is routed; 400 naming the field; 409; 502. */
    private CompletableFuture<AdminResponse> putCluster(AdminRequest request) {
        if (handover != null && handover.frozen()) {
            return frozenRefusal();
        }
        ClusterSpec spec;
        try {
            spec = ClusterJson.parseBody(request.body());
        } catch (InvalidConfigException e) {
            return done(AdminResponse.error(400, e.getMessage()));
        }
        // The thesis logs what it received (§6.2); the parsed spec, so nothing but valid JSON reaches the log.
        Logger.info("Received new cluster configuration: {}", ClusterJson.toBodyJson(spec));
        return catalog.add(spec).thenApply(added -> {
            events.record(Event.Type.UPGRADE, added.uuid(), added.version(), null, "added by PUT " + CLUSTERS);
            LevelTags.notice("Added cluster to configuration - {} mode: [{}]", added, added.mode());
            return AdminResponse.text(202, added.uuid());
        });
    }

    private CompletableFuture<AdminResponse> listClusters() {
        return done(AdminResponse.json(200, ClusterJson.toJsonArray(catalog.snapshot().clusters(), catalog::containersOf)));
    }

    private CompletableFuture<AdminResponse> getCluster(String uuid) {
        Cluster cluster = catalog.snapshot().byUuid(uuid);
        if (cluster == null) {
            return done(notFound(uuid));
        }
        return done(AdminResponse.json(200, ClusterJson.toJson(cluster, catalog.containersOf(cluster.uuid()))));
    }

    /** 202 with no body once routing no longer sees the cluster; 404. */
    private CompletableFuture<AdminResponse> deleteCluster(String uuid) {
        if (handover != null && handover.frozen()) {
            return frozenRefusal();
        }
        return catalog.remove(uuid).thenApply(removed -> {
            events.record(Event.Type.DELETE, removed.uuid(), removed.version(), null,
                    "removed by DELETE " + CLUSTERS + "/" + removed.uuid());
            LevelTags.notice("Deleted cluster from configuration - {}", removed);
            return AdminResponse.empty(202);
        });
    }

    /** JSON; with {@code Accept: text/plain} the lines {@code turnoutctl status} prints above the versions' table. */
    private CompletableFuture<AdminResponse> status(AdminRequest request) {
        if (request.prefersText()) {
            return done(AdminResponse.text(200, "status: UP\n" + tls.statusLine()));
        }
        JSONArray clusters = new JSONArray();
        for (Cluster c : catalog.snapshot().clusters()) {
            JSONArray servers = new JSONArray();
            List<Server> list = c.servers();
            for (int i = 0; i < list.size(); i++) {
                JSONObject s = new JSONObject();
                s.put("hostname", list.get(i).hostname());
                s.put("port", list.get(i).port());
                s.put("ejected", c.isEjected(i));
                servers.add(s);
            }
            JSONObject summary = new JSONObject();
            summary.put("uuid", c.uuid());
            summary.put("version", c.version());
            summary.put("mode", c.mode().name());
            summary.put("servers", servers);
            clusters.add(summary);
        }
        JSONObject status = new JSONObject();
        status.put("status", "UP");
        status.put("clusters", clusters);
        if (catalog.shared() != null) {
            // SPEC §10: the proxy is up and routing even while its store is down; this says which.
            status.put("store", catalog.shared().status());
        }
        JSONObject certificate = tls.status();
        if (certificate != null) {
            status.put("tls", certificate);
        }
        return done(AdminResponse.json(200, JSON.toJSONString(status)));
    }

    /** The JSON array of {@link #eventsJson}, or with {@code Accept: text/plain} a table (turnoutctl events). */
    private CompletableFuture<AdminResponse> events(AdminRequest request) {
        List<Event> list = events.snapshot();
        return done(request.prefersText() ? AdminResponse.text(200, StatsTable.events(list))
                : AdminResponse.json(200, eventsJson(list)));
    }

    /** {@link EventJson} of each event, in the order given (newest first). */
    static String eventsJson(List<Event> list) {
        JSONArray out = new JSONArray(list.size());
        for (Event e : list) {
            out.add(EventJson.of(e));
        }
        return JSON.toJSONString(out, JSONWriter.Feature.WriteNulls);
    }

    private static AdminResponse notFound(String uuid) {
        return AdminResponse.error(404, "no cluster with uuid " + Ascii.printable(uuid)
                + "; list them with GET " + CLUSTERS);
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
