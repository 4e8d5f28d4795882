package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /stats and the page over real sockets: a proxy with traffic, and the admin API beside it. */
class StatsEndpointTest {

    @Test
    void statsCountTheResponsesThatWentThroughTheProxy() {
        try (TestBackend v1 = TestBackend.echo("1.0");
             TestBackend v2 = TestBackend.echo("2.0");
             RunningProxy proxy = RunningProxy.start();
             AdminFixture admin = AdminFixture.start(proxy.writer(), null, ClusterProvisioner.NONE,
                     proxy.engine()::metricsText, proxy.engine().events())) {
            admin.catalog.add(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", v1.port())))).join();
            for (int i = 0; i < 6; i++) {
                assertEquals(200, RawHttpClient.get(proxy.port(), "/one/" + i).status());
            }
            String v2Uuid = admin.catalog.add(ClusterSpec.instant("2.0", List.of(new ServerSpec("127.0.0.1", v2.port()))))
                    .join().uuid();
            for (int i = 0; i < 2; i++) {
                assertEquals("2.0 GET /two/" + i, RawHttpClient.get(proxy.port(), "/two/" + i).bodyText());
            }
            admin.tick();

            HttpResponse<String> r = admin.send("GET", "/stats", null);
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
            assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
            JSONObject newest = JSON.parseObject(r.body()).getJSONArray("versions").getJSONObject(0);
            assertEquals(v2Uuid, newest.getString("uuid"));
            assertEquals(2, newest.getIntValue("responses"));
            assertEquals(0.25, newest.getDoubleValue("share"));
            assertEquals(2.0, newest.getDoubleValue("requestsPerSecond"), "two responses in the one second sampled");

            HttpResponse<String> table = admin.send("GET", "/stats", null, "Accept", "text/plain");
            assertEquals("text/plain; charset=utf-8", table.headers().firstValue("Content-Type").orElse(""));
            assertTrue(table.body().startsWith("VERSION  MODE     SERVERS"), table.body());
            assertTrue(table.body().contains("2.0      INSTANT  127.0.0.1:" + v2.port() + "  25%"), table.body());
        }
    }

    @Test
    void thePageAndItsFilesAreServedFromTheJarWithAStrictPolicy() {
        try (AdminFixture admin = AdminFixture.start()) {
            String[][] files = {{"/", "text/html; charset=utf-8", "<script src=\"/dashboard.js\""},
                {"/dashboard.js", "text/javascript; charset=utf-8", "fetch('/stats'"},
                {"/dashboard.css", "text/css; charset=utf-8", ".card"}};
            for (String[] f : files) {
                HttpResponse<String> r = admin.send("GET", f[0], null);
                assertEquals(200, r.statusCode(), f[0]);
                assertEquals(f[1], r.headers().firstValue("Content-Type").orElse(""), f[0]);
                assertTrue(r.body().contains(f[2]), f[0]);
                assertEquals(DashboardEndpoints.CONTENT_SECURITY_POLICY,
                        r.headers().firstValue("Content-Security-Policy").orElse(""), f[0]);
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), f[0]);
            }
            assertFalse(admin.send("GET", "/", null).body().contains("http"), "no external asset");
            HttpResponse<String> post = admin.send("POST", "/stats", "");
            assertEquals(405, post.statusCode());
            assertEquals("GET", post.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void withATokenThePageIsPublicButItsDataIsNot() {
        try (AdminFixture admin = AdminFixture.start("s3cret")) {
            for (String path : List.of("/", "/dashboard.js", "/dashboard.css")) {
                assertEquals(200, admin.send("GET", path, null).statusCode(), path + " holds no data");
            }
            assertEquals(401, admin.send("GET", "/stats", null).statusCode());
            assertEquals(401, admin.send("GET", "/stats", null, "Authorization", "Bearer wrong").statusCode());
            assertEquals(401, admin.send("GET", "/events", null).statusCode());
            assertEquals(401, admin.send("HEAD", "/", null).statusCode(), "only GET of the page is public");
            assertEquals(401, admin.send("PUT", "/", "{}").statusCode());
            assertEquals(200, admin.send("GET", "/stats", null, "Authorization", "Bearer s3cret").statusCode());
        }
    }

    @Test
    void aKeptAliveConnectionMayFetchThePageThenItsData() {
        try (AdminFixture admin = AdminFixture.start("s3cret");
             RawHttpClient c = RawHttpClient.connect(admin.port())) {
            assertEquals(200, exchange(c, "GET", "/", null).status());
            assertEquals(401, exchange(c, "GET", "/stats", null).status());
            assertEquals(200, exchange(c, "GET", "/stats", null, "Authorization: Bearer s3cret").status());
        }
    }
}
