package io.turnout.bench;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.http.ResponseHead;
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
 * Finding and parsing a complete head, as {@code ClientConnection} does for every request and
 * response: {@code reset}, {@code findEnd}, {@code parse}. SPEC §8 wants ~0 B/op here.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class HeadParseBenchmark {
    private final RequestHead request = new RequestHead();
    private final ResponseHead response = new ResponseHead();
    private ByteBuffer requestBytes;
    private ByteBuffer responseBytes;
    private ByteBuffer uploadBytes;

    @Setup(Level.Trial)
    public void setUp() {
        requestBytes = SampleHeads.direct(SampleHeads.browserRequest());
        responseBytes = SampleHeads.direct(SampleHeads.nginxResponse());
        uploadBytes = SampleHeads.direct(SampleHeads.uploadWithExpectContinue());
        // Fail the trial rather than measure the error path.
        if (parseRequest() < 0 || request.end() != requestBytes.limit()
                || parseResponse() < 0 || response.end() != responseBytes.limit()
                || parseUploadWithExpectContinue() < 0 || !request.expectsContinue()) {
            throw new IllegalStateException("sample heads do not parse");
        }
    }

    /** A ~600-byte browser request head with two Cookie headers. Returns the head's end. */
    @Benchmark
    public int parseRequest() {
        request.reset();
        int end = request.findEnd(requestBytes);
        if (request.parse(requestBytes, end) != ParseResult.OK) {
            return -1;
        }
        // Depends on the whole parse, so none of it is dead code.
        return request.end() + request.headerCount();
    }

    /** A POST head with {@code Expect: 100-continue} and a Content-Length. Returns the head's end. */
    @Benchmark
    public int parseUploadWithExpectContinue() {
        request.reset();
        int end = request.findEnd(uploadBytes);
        if (request.parse(uploadBytes, end) != ParseResult.OK) {
            return -1;
        }
        return request.end() + (int) request.bodyLength() + (request.expectsContinue() ? 1 : 0);
    }

    /** nginx's response head for a small static page. Returns the head's end. */
    @Benchmark
    public int parseResponse() {
        response.reset();
        int end = response.findEnd(responseBytes);
        if (response.parse(responseBytes, end) != ParseResult.OK) {
            return -1;
        }
        return response.end() + response.status() + (int) response.contentLength();
    }
}
