package io.turnout.bench;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.route.Router;
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
 * Writing the heads the proxy sends on: the request head for the upstream (hop-by-hop headers
 * dropped, X-Forwarded-* added) and the response head for the client (with a Set-Cookie line),
 * each into a pooled-size direct buffer, as {@code ClientConnection} does per exchange.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class HeadRewriteBenchmark {
    private static final byte[] CLIENT_ADDRESS = SampleHeads.ascii("192.168.17.201");
    private static final byte[] LOCAL_AUTHORITY = "127.0.0.1:1235".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] SET_COOKIE = SampleHeads.ascii(
            "Set-Cookie: dynsoftup=" + SampleHeads.NEW_UUID + "; Path=/\r\n");

    private final RequestHead request = new RequestHead();
    private final ResponseHead response = new ResponseHead();
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);

    @Setup(Level.Trial)
    public void setUp() {
        ByteBuffer requestBytes = SampleHeads.direct(SampleHeads.browserRequest());
        ByteBuffer responseBytes = SampleHeads.direct(SampleHeads.nginxResponse());
        if (request.parse(requestBytes, request.findEnd(requestBytes)) != ParseResult.OK
                || response.parse(responseBytes, response.findEnd(responseBytes)) != ParseResult.OK) {
            throw new IllegalStateException("sample heads do not parse");
        }
        if (SET_COOKIE.length > Router.cookieScratchSize()) {
            throw new IllegalStateException("cookie line larger than the router's scratch");
        }
    }

    /** Returns the rewritten head's length. */
    @Benchmark
    public int writeUpstreamHead() {
        out.clear();
        request.writeUpstreamHead(out, CLIENT_ADDRESS, LOCAL_AUTHORITY, false, false);
        return out.position();
    }

    /** Keep-alive HTTP/1.1 client, one Set-Cookie line. Returns the rewritten head's length. */
    @Benchmark
    public int writeClientHead() {
        out.clear();
        response.writeClientHead(out, SET_COOKIE, SET_COOKIE.length, false, false);
        return out.position();
    }
}
