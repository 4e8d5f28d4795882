package io.turnout.engine.net;

import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3 as far as the engine core goes: connect failures fall back, and nothing closes silently. */
class FailoverTest {
    private RunningProxy proxy;
    private TestBackend old;

    @AfterEach
    void stop() {
        proxy.close();
        if (old != null) {
            old.close();
        }
    }

    @Test
    void newestVersionRefusingConnectionsIsServedByThePreviousVersion() {
        old = TestBackend.start("v1", request -> Reply.ok("version 1.0"));
        proxy = RunningProxy.start();
        proxy.addCluster("1.0", old);
        proxy.addClusterAt("2.0", TestBackend.refusingAddress());
        for (int i = 0; i < 5; i++) {
            HttpResponse response = RawHttpClient.get(proxy.port(), "/");
            assertEquals(200, response.status());
            assertEquals("version 1.0", response.bodyText());
        }
        assertEquals(5, old.requestCount());
    }

    @Test
    void nextServerOfTheSameClusterIsTriedFirst() {
        old = TestBackend.start("v2-b", request -> Reply.ok("second server"));
        proxy = RunningProxy.start();
        proxy.addClusterAt("2.0", TestBackend.refusingAddress(), old.address());
        for (int i = 0; i < 4; i++) {
            assertEquals("second server", RawHttpClient.get(proxy.port(), "/").bodyText());
        }
    }

    @Test
    void everyServerDownGives502WithABody() {
        proxy = RunningProxy.start();
        proxy.addClusterAt("1.0", TestBackend.refusingAddress());
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals(502, response.status());
        assertTrue(response.bodyText().startsWith("Bad gateway"), response.bodyText());
    }

    @Test
    void noClustersGives503WithABody() {
        proxy = RunningProxy.start();
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals(503, response.status());
        assertTrue(response.bodyText().contains("no cluster"), response.bodyText());
    }

    @Test
    void hungBackendGives504AfterTheResponseTimeout() {
        old = TestBackend.start("hung", request -> Reply.neverRespond());
        proxy = RunningProxy.start(b -> b.responseTimeout(Duration.ofMillis(800)));
        proxy.addCluster("1.0", old);
        long start = System.nanoTime();
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.status());
        assertTrue(response.bodyText().startsWith("Gateway timeout"), response.bodyText());
        assertTrue(waitedMillis >= 700 && waitedMillis < 5_000, "waited " + waitedMillis + " ms");
    }

    @Test
    void addingAClusterChangesRoutingFromTheNextRequestOnTheSameConnection() {
        old = TestBackend.start("v1", request -> Reply.ok("version 1.0"));
        try (TestBackend next = TestBackend.start("v2", request -> Reply.ok("version 2.0"))) {
            proxy = RunningProxy.start();
            proxy.addCluster("1.0", old);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals("version 1.0", client.readResponse().bodyText());
                proxy.addCluster("2.0", next);
                client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals("version 2.0", client.readResponse().bodyText());
            }
        }
    }

    @Test
    void naturalVersionOrderPicksTheNewest() {
        old = TestBackend.start("v1.9", request -> Reply.ok("1.9"));
        try (TestBackend newer = TestBackend.start("v1.10", request -> Reply.ok("1.10"))) {
            proxy = RunningProxy.start();
            proxy.addCluster("1.10", newer);
            proxy.addCluster("1.9", old);
            assertEquals("1.10", RawHttpClient.get(proxy.port(), "/").bodyText());
        }
    }
}
