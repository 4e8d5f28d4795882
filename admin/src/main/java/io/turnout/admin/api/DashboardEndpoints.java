package io.turnout.admin.api;

import io.turnout.admin.dashboard.Dashboard;
import io.turnout.admin.dashboard.DashboardAssets;
import io.turnout.admin.dashboard.StatsJson;
import io.turnout.admin.dashboard.StatsTable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The dashboard's endpoints (SPEC §13): {@code GET /} with its style sheet and script, which need
 * no token since they hold no data, and {@code GET /stats}, which does. With
 * {@code Accept: text/plain}, {@code /stats} is the table {@code turnoutctl} prints.
 */
public final class DashboardEndpoints {
    /**
     * The page may load nothing but its own two files and talk to nothing but this API: no inline
     * script or style, no other origin, no framing (a clickjacked admin page could be misread).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private DashboardEndpoints() {
    }

    public static void addTo(AdminApi api, Dashboard dashboard) {
        for (DashboardAssets.Asset asset : DashboardAssets.load()) {
            AdminResponse page = new AdminResponse(200, asset.contentType(), asset.body(), pageHeaders());
            api.publicRoute("GET", asset.path(), (r, p) -> CompletableFuture.completedFuture(page));
        }
        api.route("GET", "/stats", (r, p) -> CompletableFuture.completedFuture(stats(dashboard, r)));
    }

    private static AdminResponse stats(Dashboard dashboard, AdminRequest request) {
        AdminResponse response = request.prefersText()
                ? AdminResponse.text(200, StatsTable.versions(dashboard.stats()))
                : AdminResponse.json(200, StatsJson.render(dashboard.stats()));
        return response.withHeader("Cache-Control", "no-store");
    }

    private static Map<String, String> pageHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        // Revalidated on every load, so a new jar's page is never mixed with an old script.
        headers.put("Cache-Control", "no-cache");
        return headers;
    }
}
