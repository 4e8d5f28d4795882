package io.turnout.admin.api;

import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/** A running admin API on a free loopback port, with a real snapshot writer behind it. */
public final class AdminFixture implements AutoCloseable {
    public final SnapshotWriter writer;
    public final ClusterCatalog catalog;
    public final AdminServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private AdminFixture(SnapshotWriter writer, ClusterCatalog catalog, AdminServer server) {
        this.writer = writer;
        this.catalog = catalog;
        this.server = server;
    }

    public static AdminFixture start() {
        return start(null, ClusterProvisioner.NONE, () -> "", () -> "[]");
    }

    public static AdminFixture start(String token) {
        return start(token, ClusterProvisioner.NONE, () -> "", () -> "[]");
    }

    public static AdminFixture start(String token, ClusterProvisioner provisioner, Supplier<String> metrics,
                                     Supplier<String> events) {
        return start(new SnapshotWriter(ClusterSnapshot.EMPTY), token, provisioner, metrics, events);
    }

    public static AdminFixture start(SnapshotWriter writer, String token, ClusterProvisioner provisioner,
                                     Supplier<String> metrics, Supplier<String> events) {
        ClusterCatalog catalog = new ClusterCatalog(writer, provisioner);
        AdminServer server = new AdminServer(AdminSettings.of("127.0.0.1", 0, token),
                new AdminApi(catalog, metrics, events));
        try {
            server.start();
        } catch (IOException e) {
            writer.close();
            throw new UncheckedIOException(e);
        }
        return new AdminFixture(writer, catalog, server);
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** One request; {@code body} null sends none. {@code headers} alternate name, value. */
    public HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10))
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

    @Override
    public void close() {
        server.close();
        writer.close();
    }
}
