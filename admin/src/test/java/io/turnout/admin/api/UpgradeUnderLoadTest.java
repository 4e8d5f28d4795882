package io.turnout.admin.api;

import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3's acceptance under load: the proxy, the catalog and the admin API in one process, as
 * the launcher wires them, with keep-alive clients running while versions come and go.
 */
class UpgradeUnderLoadTest {
    private static final int CLIENTS = 4;
    private static final int CYCLES = 200;

    @Test
    void twoHundredPutDeleteCyclesUnderKeepAliveLoadFailNoRequestAndEach202RoutesTheNextRequest() throws Exception {
        try (TestBackend v1 = TestBackend.echo("1.0");
             TestBackend v2 = TestBackend.echo("2.0");
             RunningProxy proxy = RunningProxy.start();
             AdminFixture admin = AdminFixture.start(proxy.writer(), null, ClusterProvisioner.NONE,
                     proxy.engine()::metricsText, proxy.engine().events())) {
            admin.catalog.add(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", v1.port())))).join();
            String v2Body = "{\"cluster\": {\"version\": \"2.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                    + v2.port() + "}]}}";

            AtomicBoolean running = new AtomicBoolean(true);
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<Integer>> load = new ArrayList<>();
            for (int t = 0; t < CLIENTS; t++) {
                load.add(pool.submit(() -> keepAliveLoad(proxy.port(), running, failures)));
            }
            try (RawHttpClient adminConnection = RawHttpClient.connect(admin.port());
                 RawHttpClient probe = RawHttpClient.connect(proxy.port())) {
                for (int i = 0; i < CYCLES; i++) {
                    HttpResponse put = exchange(adminConnection, "PUT", "/configuration/cluster", v2Body);
                    assertEquals(202, put.status(), put::toString);
                    // The first request after the 202, on a kept-alive connection and on a new one.
                    assertEquals("2.0 GET /after-put/" + i, get(probe, "/after-put/" + i), "cycle " + i);
                    assertEquals("2.0 GET /fresh", RawHttpClient.get(proxy.port(), "/fresh").bodyText(), "cycle " + i);

                    HttpResponse delete = exchange(adminConnection, "DELETE", "/configuration/cluster/" + put.bodyText(),
                            null);
                    assertEquals(202, delete.status(), delete::toString);
                    assertEquals("1.0 GET /after-delete/" + i, get(probe, "/after-delete/" + i), "cycle " + i);
                    assertEquals("1.0 GET /fresh", RawHttpClient.get(proxy.port(), "/fresh").bodyText(), "cycle " + i);
                }
            } finally {
                running.set(false);
            }
            int served = 0;
            for (Future<Integer> f : load) {
                served += f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(List.of(), List.copyOf(failures), "no client request failed");
            assertTrue(served >= CLIENTS * 10, "the load ran alongside the cycles: " + served + " requests");
            assertEquals(1, proxy.writer().snapshot().size());
        }
    }

    private static String get(RawHttpClient c, String path) {
        HttpResponse r = c.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse();
        assertEquals(200, r.status(), r::toString);
        return r.bodyText();
    }

    /** GETs on one keep-alive connection until told to stop; every answer must be a version's page. */
    private static int keepAliveLoad(int port, AtomicBoolean running, Queue<String> failures) {
        int served = 0;
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            while (running.get()) {
                try {
                    HttpResponse r = c.send("GET /load HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse();
                    String body = r.bodyText();
                    if (r.status() != 200 || !(body.equals("1.0 GET /load") || body.equals("2.0 GET /load"))) {
                        failures.add(r.toString());
                    }
                    served++;
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                    return served; // the connection is unusable now; the failure is recorded
                }
            }
        }
        return served;
    }
}
