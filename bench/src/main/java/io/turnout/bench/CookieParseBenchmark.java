package io.turnout.bench;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * {@code RequestHead.findCookie} over a head with four Cookie headers: the routing cookies the
 * SESSION and GRADUAL modes read, one that is absent (a first visit), and a near miss
 * ({@code xdynsoftup=} must not match {@code dynsoftup}). The head is parsed once per trial.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class CookieParseBenchmark {
    private static final byte[] DYNSOFTUP = SampleHeads.ascii("dynsoftup");
    private static final byte[] TRANSITION = SampleHeads.ascii("transition");
    private static final byte[] ABSENT = SampleHeads.ascii("dynsoftup2");

    private final RequestHead request = new RequestHead();

    @Setup(Level.Trial)
    public void setUp() {
        ByteBuffer head = SampleHeads.direct(SampleHeads.manyCookieHeaders());
        if (request.parse(head, request.findEnd(head)) != ParseResult.OK
                || findDynsoftup() < 0 || findTransition() < 0 || findAbsent() >= 0) {
            throw new IllegalStateException("sample cookies do not parse as expected");
        }
    }

    /** In the third Cookie header, after the near miss in the second. */
    @Benchmark
    public long findDynsoftup() {
        return request.findCookie(DYNSOFTUP);
    }

    /** The last pair of the last Cookie header: the worst case for a present cookie. */
    @Benchmark
    public long findTransition() {
        return request.findCookie(TRANSITION);
    }

    /** Every pair of every Cookie header is examined. */
    @Benchmark
    public long findAbsent() {
        return request.findCookie(ABSENT);
    }
}
