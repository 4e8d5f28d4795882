package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferExhaustionTest {

    @Test
    void exhaustedPoolPausesReadingInsteadOfAllocatingAndEveryoneIsServed() throws Exception {
        try (TestBackend slow = TestBackend.start("slow",
                request -> Reply.ok("served " + request.target()).withHeadDelay(Duration.ofMillis(100)));
             RunningProxy proxy = RunningProxy.start(b -> b.selectorThreads(1).maxBuffersPerThread(8))) {
            proxy.addCluster("1.0", slow);
            List<CompletableFuture<HttpResponse>> clients = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String path = "/c" + i;
                clients.add(CompletableFuture.supplyAsync(() -> RawHttpClient.get(proxy.port(), path)));
            }
            for (int i = 0; i < 12; i++) {
                HttpResponse response = clients.get(i).get();
                assertEquals(200, response.status());
                assertEquals("served /c" + i, response.bodyText());
            }
            BufferPool pool = proxy.engine().server().bufferPools().get(0);
            assertTrue(pool.allocated() <= 8, "allocated " + pool.allocated());
            assertTrue(pool.exhaustedCount() > 0, "the pool ran dry at least once, so the pause was exercised");
            Await.until("all buffers back", () -> pool.inUse() == 0);
        }
    }
}
