package io.turnout.admin.api;

import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.dashboard.Dashboard;
import io.turnout.admin.support.SteppedClock;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.tls.TlsContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A running admin API on a free loopback port, with a real snapshot writer behind it, and the
 * dashboard's endpoints on a {@link Dashboard} that samples only when a test says so, on a
 * {@link SteppedClock}.
 */
public final class AdminFixture implements AutoCloseable {
    public final SnapshotWriter writer;
    public final ClusterCatalog catalog;
    public final AdminServer server;
    public final SteppedClock clock;
    public final Dashboard dashboard;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private AdminFixture(SnapshotWriter writer, ClusterCatalog catalog, AdminServer server, SteppedClock clock,
                         Dashboard dashboard) {
        this.writer = writer;
        this.catalog = catalog;
        this.server = server;
        this.clock = clock;
        this.dashboard = dashboard;
    }

    public static AdminFixture start() {
        return start(null, ClusterProvisioner.NONE, () -> "", new EventLog(AdminApi.EVENTS_KEPT));
    }

    public static AdminFixture start(String token) {
        return start(token, ClusterProvisioner.NONE, () -> "", new EventLog(AdminApi.EVENTS_KEPT));
    }

    public static AdminFixture start(ClusterProvisioner provisioner) {
        return start(null, provisioner, () -> "", new EventLog(AdminApi.EVENTS_KEPT));
    }

    public static AdminFixture start(String token, ClusterProvisioner provisioner, Supplier<String> metrics,
                                     EventLog events) {
        return start(new SnapshotWriter(ClusterSnapshot.EMPTY), token, provisioner, metrics, events);
    }

    /** The admin side of a proxy serving TLS with {@code tls} ({@code POST /tls/reload}, {@code /status}'s tls). */
    public static AdminFixture start(TlsContext tls) {
        return start(new SnapshotWriter(ClusterSnapshot.EMPTY), null, ClusterProvisioner.NONE, () -> "",
                new EventLog(AdminApi.EVENTS_KEPT), tls);
    }

    /** The admin side over an existing writer (a running proxy's, for example). */
    public static AdminFixture start(SnapshotWriter writer, String token, ClusterProvisioner provisioner,
                                     Supplier<String> metrics, EventLog events) {
        return start(writer, token, provisioner, metrics, events, null);
    }

    /** @param tls the proxy's TLS, or {@code null} for plain HTTP */
    public static AdminFixture start(SnapshotWriter writer, String token, ClusterProvisioner provisioner,
                                     Supplier<String> metrics, EventLog events, TlsContext tls) {
        ClusterCatalog catalog = new ClusterCatalog(writer, provisioner);
        SteppedClock clock = SteppedClock.startingNow();
        Dashboard dashboard = Dashboard.manual(writer::snapshot, events, c -> RollbackPolicy.DEFAULT, clock);
        AdminApi api = new AdminApi(catalog, metrics, events, null, tls);
        DashboardEndpoints.addTo(api, dashboard);
        AdminServer server = new AdminServer(AdminSettings.of("127.0.0.1", 0, token), api);
        try {
            server.start();
        } catch (IOException e) {
            writer.close();
            throw new UncheckedIOException(e);
        }
        return new AdminFixture(writer, catalog, server, clock, dashboard);
    }

    /** One second passes and the dashboard samples the counters, as its timer does in production. */
    public void tick() {
        clock.advance(Duration.ofSeconds(1));
        dashboard.sampler().sample();
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** One request; {@code body} null sends none. {@code headers} alternate name, value. */
    public HttpResponse<String> send(String method, String path, String body, String... headers) {
        return send(http, baseUrl() + path, method, body, headers);
    }

    /** One request to any {@code url} with {@code http}; {@code body} null sends none. */
    public static HttpResponse<String> send(HttpClient http, String url, String method, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * One request on a raw connection, then its response: {@code method path HTTP/1.1}, the
     * given header lines, and a UTF-8 body with its Content-Length ({@code body} null sends none).
     */
    public static io.turnout.engine.testsupport.HttpResponse exchange(RawHttpClient c, String method, String path,
                                                                     String body, String... headerLines) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: admin\r\n");
        for (String h : headerLines) {
            head.append(h).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            head.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        return c.send(head.toString()).send(bytes).readResponse();
    }

    @Override
    public void close() {
        server.close();
        writer.close();
    }
}
