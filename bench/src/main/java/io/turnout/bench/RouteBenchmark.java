package io.turnout.bench;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.Router;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.ServerCursor;
import io.turnout.engine.route.TransitionMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The routing work of one request (SPEC §2): the route decision over a two-version snapshot
 * (1.0 INSTANT, 2.0 in {@code mode}), the server choice, and the Set-Cookie lines for the
 * response. With {@code cookies} the client sends {@code dynsoftup} (naming 1.0) and
 * {@code transition}; without, it is a first visit.
 *
 * <p>GRADUAL uses a tiny percentage per request, so the transition is still under way during the
 * whole measurement and the shared counter is updated on every request: its worst case. (With
 * 1%, the counter is full after 100 requests and every later request sees a finished transition.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class RouteBenchmark {
    @Param({"INSTANT", "SESSION", "GRADUAL", "CONCURRENT"})
    public TransitionMode mode;

    @Param({"true", "false"})
    public boolean cookies;

    private final Router router = new Router();
    private final RequestHead request = new RequestHead();
    private final RouteDecision decision = new RouteDecision();
    private final ServerCursor cursor = new ServerCursor();
    private final byte[] scratch = new byte[Router.cookieScratchSize()];
    private ClusterSnapshot snapshot;

    @Setup(Level.Trial)
    public void setUp() {
        Cluster old = Cluster.builder(SampleHeads.OLD_UUID, "1.0")
                .servers(List.of(new Server("127.0.0.1", 8081), new Server("127.0.0.1", 8082)))
                .build();
        Cluster.Builder newest = Cluster.builder(SampleHeads.NEW_UUID, "2.0")
                .mode(mode)
                .servers(List.of(new Server("127.0.0.1", 8091), new Server("127.0.0.1", 8092)));
        if (mode == TransitionMode.SESSION) {
            newest.sessionTimeoutSeconds(60);
        } else if (mode == TransitionMode.GRADUAL) {
            newest.percentagePerRequest(1e-9);
        }
        snapshot = ClusterSnapshot.EMPTY.with(old).with(newest.build());

        String text = cookies ? SampleHeads.browserRequest() : SampleHeads.browserRequestWithoutCookies();
        ByteBuffer head = SampleHeads.direct(text);
        if (request.parse(head, request.findEnd(head)) != ParseResult.OK
                || !router.route(snapshot, request, decision)
                || router.writeCookies(decision, snapshot, decision.primary(), scratch) <= 0) {
            throw new IllegalStateException("sample request does not route");
        }
    }

    /** Returns the length of the Set-Cookie lines; the chosen server goes to the blackhole. */
    @Benchmark
    public int route(Blackhole bh) {
        if (!router.route(snapshot, request, decision)) {
            return -1;
        }
        cursor.begin(decision.primary(), decision.fallback(), decision.primary().state().nextRoundRobin());
        bh.consume(cursor.next());
        return router.writeCookies(decision, snapshot, cursor.currentCluster(), scratch);
    }
}
