package io.turnout.engine.net;

import io.turnout.engine.ProxyEngine;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One SO_REUSEPORT listener per selector loop (issue 18), and a taken port still refused. */
class ListenersTest {
    private static ProxyEngine engineOn(int port) {
        return new ProxyEngine(ProxySettings.builder(port).hostname("127.0.0.1").selectorThreads(2).build(),
                new SnapshotWriter(ClusterSnapshot.EMPTY));
    }

    @Test
    void aSecondProxyOnThePortOfARunningOneFailsToStart() {
        try (RunningProxy running = RunningProxy.start(); ProxyEngine second = engineOn(running.port())) {
            assertThrows(BindException.class, second::start, "SO_REUSEPORT must not let it share the port");
        }
    }

    @Test
    void aPortAnotherProgramListensOnIsRefused() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ProxyEngine engine = engineOn(other.getLocalPort())) {
            assertThrows(BindException.class, engine::start);
        }
    }

    /**
     * Each loop keeps its own upstream pool, so when new client connections reach both loops the
     * backend sees exactly two upstream connections for requests sent one after another.
     */
    @Test
    void newConnectionsReachEveryLoop() {
        try (TestBackend backend = TestBackend.start("v1", r -> Reply.ok("ok"));
             RunningProxy proxy = RunningProxy.fronting(backend)) {
            for (int i = 0; i < 24; i++) {
                try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                    assertEquals(200, client.readResponse().status());
                }
            }
            assertEquals(2, backend.connectionCount(), "one pooled upstream connection per loop, both loops used");
        }
    }
}
