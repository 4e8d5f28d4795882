package io.turnout.bench;

import io.turnout.engine.http.ChunkScanner;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Tracking a 64 KiB chunked body sent as eight 8 KiB chunks, as the body passes through the proxy.
 * {@code readSize} is how many bytes each socket read hands the scanner: 0 scans the whole body
 * in one call; 1460 (one loopback-sized TCP segment of a 1500 MTU) cuts the chunk framing at
 * arbitrary places, so the scanner resumes mid size line and mid CRLF.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class ChunkScanBenchmark {
    private static final int BODY = 64 * 1024;
    private static final int CHUNK = 8 * 1024;

    @Param({"0", "1460"})
    public int readSize;

    private final ChunkScanner scanner = new ChunkScanner();
    private ByteBuffer body;

    @Setup(Level.Trial)
    public void setUp() {
        body = ByteBuffer.allocateDirect(BODY + 1024);
        byte[] data = new byte[CHUNK];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        for (int sent = 0; sent < BODY; sent += CHUNK) {
            body.put(SampleHeads.ascii(Integer.toHexString(CHUNK) + "\r\n")).put(data).put(SampleHeads.ascii("\r\n"));
        }
        body.put(SampleHeads.ascii("0\r\n\r\n")).flip();
        if (scan() != body.limit()) {
            throw new IllegalStateException("sample body does not scan");
        }
    }

    /** Returns the index just after the body's last CRLF. */
    @Benchmark
    public int scan() {
        scanner.reset();
        int limit = body.limit();
        if (readSize == 0) {
            return scanner.scan(body, 0, limit);
        }
        int end = 0;
        for (int from = 0; from < limit && !scanner.isDone(); from += readSize) {
            end = scanner.scan(body, from, Math.min(limit, from + readSize));
            if (end == ChunkScanner.ERROR) {
                return end;
            }
        }
        return end;
    }
}
