package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GracefulShutdownTest {

    @Test
    void inFlightRequestsCompleteDuringShutdownAndNewConnectionsAreRefused() throws Exception {
        try (TestBackend slow = TestBackend.start("slow",
                request -> Reply.ok("finished " + request.target()).withHeadDelay(Duration.ofMillis(1500)))) {
            RunningProxy proxy = RunningProxy.start();
            proxy.addCluster("1.0", slow);
            List<CompletableFuture<HttpResponse>> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String path = "/slow" + i;
                inFlight.add(CompletableFuture.supplyAsync(() -> RawHttpClient.get(proxy.port(), path)));
            }
            Await.until("20 requests reached the backend", Duration.ofSeconds(10),
                    () -> slow.openConnectionCount() >= 20);
            int port = proxy.port();
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(proxy::close);
            for (int i = 0; i < 20; i++) {
                HttpResponse response = inFlight.get(i).get();
                assertEquals(200, response.status());
                assertEquals("finished /slow" + i, response.bodyText());
                assertEquals("close", response.header("Connection"), "drain closes kept-alive connections");
            }
            shutdown.get();
            assertThrows(IOException.class, () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                }
            });
        }
    }
}
