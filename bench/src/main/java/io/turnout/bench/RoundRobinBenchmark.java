package io.turnout.bench;

import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.ServerCursor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The price of a strict round robin (SPEC §2) across selector threads: two threads, the default
 * on a 2-core machine, each pick a server of the same three-server cluster, back to back.
 * {@code counterPerThread} is what each selector loop did before (a plain {@code int} of its own,
 * strict only with one thread); {@code counterPerCluster} is the cluster's one shared counter.
 *
 * <p>This is the worst case: nothing else happens between two picks, so the two threads fight
 * for the counter's cache line all the time. A proxied request costs tens of microseconds, so
 * real selector threads meet on that line far less often.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(2)
public class RoundRobinBenchmark {
    /** One cluster, shared by both threads as the snapshot is shared by the selector loops. */
    @State(Scope.Benchmark)
    public static class SharedCluster {
        final Cluster cluster = Cluster.builder(SampleHeads.NEW_UUID, "2.5.1")
                .servers(List.of(new Server("127.0.0.1", 8091), new Server("127.0.0.1", 9091),
                        new Server("127.0.0.1", 10091)))
                .build();
    }

    /** What each selector loop keeps for itself. */
    @State(Scope.Thread)
    public static class Loop {
        final ServerCursor cursor = new ServerCursor();
        int roundRobin;
    }

    @Benchmark
    public Server counterPerThread(SharedCluster shared, Loop loop) {
        loop.cursor.begin(shared.cluster, null, loop.roundRobin++);
        return loop.cursor.next();
    }

    @Benchmark
    public Server counterPerCluster(SharedCluster shared, Loop loop) {
        loop.cursor.begin(shared.cluster, null, shared.cluster.state().nextRoundRobin());
        return loop.cursor.next();
    }
}
