package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;

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

    private final ClusterCatalog catalog;
    private final Supplier<String> metrics;
    private final Supplier<String> events;
    private final AdminRoutes routes;

    /**
     * @param metrics Prometheus text for {@code GET /metrics}; called on the admin thread, so cheap
     * @param events  a JSON array for {@code GET /events}, newest first; called on the admin thread
     */
    public AdminApi(ClusterCatalog catalog, Supplier<String> metrics, Supplier<String> events) {
        this.catalog = catalog;
        this.metrics = metrics;
        this.events = events;
        this.routes = new AdminRoutes()
                .add("PUT", CLUSTERS, (r, p) -> putCluster(r))
                .add("GET", CLUSTERS, (r, p) -> listClusters())
                .add("GET", CLUSTERS + "/", (r, p) -> listClusters())
                .add("GET", CLUSTERS + "/{uuid}", (r, p) -> getCluster(p.get(0)))
                .add("DELETE", CLUSTERS + "/{uuid}", (r, p) -> deleteCluster(p.get(0)))
                .add("GET", "/status", (r, p) -> status())
                .add("GET", "/metrics", (r, p) -> done(new AdminResponse(200, AdminResponse.PROMETHEUS,
                        this.metrics.get().getBytes(StandardCharsets.UTF_8), Map.of())))
                .add("GET", "/events", (r, p) -> done(AdminResponse.json(200, this.events.get())));
    }

    /** No metrics or events yet: {@code /metrics} is empty and {@code /events} is {@code []}. */
    public AdminApi(ClusterCatalog catalog) {
        this(catalog, () -> "", () -> "[]");
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        return routes.handle(request);
    }

    /** 202 with the uuid as text/plain once the cluster is routed; 400 naming the field; 409; 502. */
    private CompletableFuture<AdminResponse> putCluster(AdminRequest request) {
        ClusterSpec spec;
        try {
            spec = ClusterJson.parseBody(request.body());
        } catch (InvalidConfigException e) {
            return done(AdminResponse.error(400, e.getMessage()));
        }
        return catalog.add(spec).thenApply(uuid -> AdminResponse.text(202, uuid));
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
        return catalog.remove(uuid).thenApply(v -> AdminResponse.empty(202));
    }

    private CompletableFuture<AdminResponse> status() {
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
        return done(AdminResponse.json(200, JSON.toJSONString(status)));
    }

    private static AdminResponse notFound(String uuid) {
        return AdminResponse.error(404, "no cluster with uuid " + RequestHeadParser.printable(uuid)
                + "; list them with GET " + CLUSTERS);
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
