package io.turnout.engine.route;

import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SPEC §2: within a cluster, servers are chosen round robin, whichever selector thread routes the request. */
class RoundRobinTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /**
     * The thesis's Couchbase run (§6.2.1): three nodes, requests cycling 8091, 9091, 10091. With
     * the default two selector threads and a counter per thread, 12 requests went
     * {@code 34 35 34 37 34 35 35 37 ...}; one counter per cluster cycles strictly.
     */
    @Test
    void twelveRequestsOverTwoSelectorThreadsCycleThreeServersStrictly() {
        List<String> served = new ArrayList<>();
        TestBackend[] nodes = new TestBackend[3];
        for (int i = 0; i < nodes.length; i++) {
            String name = "node" + i;
            nodes[i] = TestBackend.start(name, request -> {
                synchronized (served) {
                    served.add(name);
                }
                return Reply.ok(name);
            });
            closing.add(nodes[i]);
        }
        RunningProxy proxy = RunningProxy.start(b -> b.selectorThreads(2));
        closing.add(0, proxy);
        proxy.addCluster("2.5.1", nodes);

        // A fresh connection per request, as curl makes them: the loops race to accept each one.
        for (int i = 0; i < 12; i++) {
            RawHttpClient.get(proxy.port(), "/pools/default/buckets/beer-sample");
        }
        List<String> expected = new ArrayList<>();
        int first = Integer.parseInt(served.get(0).substring(4));
        for (int i = 0; i < 12; i++) {
            expected.add("node" + (first + i) % 3);
        }
        assertEquals(expected, served);
    }
}
