package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.Digests;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import io.turnout.engine.testsupport.TestPki;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §7's back-pressure holds through TLS: a client that stops reading stops the proxy reading
 * the backend, and the connection holds a handful of plaintext buffers and at most two TLS record
 * buffers (network in, network out) however large the body, instead of queueing it in memory.
 */
class TlsBackPressureTest {
    private static final long MIB = 1024 * 1024;
    private static final long SIZE = 64 * MIB;
    /** Plaintext buffers of one exchange: client input, upstream input and the two rewritten heads (BodyRelayTest). */
    private static final int PLAINTEXT_BUFFERS = 4;
    /** TLS record buffers of one connection: records read from the socket, records waiting to be written. */
    private static final int TLS_BUFFERS = 2;
    /**
     * What may sit in the kernel between a stalled client and the backend on loopback: the
     * client's receive buffer, the proxy's send buffer towards it, the proxy's receive buffer from
     * the backend and the backend's send buffer, each a few MiB at most while nobody reads.
     */
    private static final long KERNEL_SLACK = 40 * MIB;

    @Test
    void slowTlsReaderOfSixtyFourMebibytesHoldsAFewBuffersAndStopsTheBackendThenGetsEveryByte() throws Exception {
        TestPki pki = TestPki.create();
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.generated(SIZE, 5));
             RunningProxy proxy = RunningProxy.start(b -> b.tls(pki.issue("localhost").settings())
                     .headTimeout(Duration.ofSeconds(3)))) {
            proxy.addCluster("1.0", backend);
            StallingSink sink = new StallingSink(64 * 1024);
            CompletableFuture<HttpResponse> download = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), pki.clientContext(),
                        Duration.ofSeconds(30))) {
                    client.send("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    download.complete(client.readResponseStreaming(sink, 16 * 1024, Duration.ZERO));
                } catch (Throwable e) {
                    download.completeExceptionally(e);
                }
            }, "slow-tls-reader");
            reader.setDaemon(true);
            reader.start();

            Await.until("the client has read its first 64 KiB, or failed", Duration.ofSeconds(15),
                    () -> sink.stalled.getCount() == 0 || download.isDone());
            if (download.isDone()) {
                download.get(); // the reader failed before the stall: throws its cause
            }
            long written = awaitBackendBlocked(backend);
            assertTrue(written < SIZE - KERNEL_SLACK, "the backend wrote " + written / MIB
                    + " MiB of 64 while the client read 64 KiB: the proxy did not push back");
            int plaintext = proxy.buffersInUse();
            int tls = proxy.tlsBuffersInUse();
            assertTrue(plaintext <= PLAINTEXT_BUFFERS, "plaintext buffers held by one stalled exchange: " + plaintext);
            assertTrue(tls <= TLS_BUFFERS, "TLS buffers held by one stalled connection: " + tls);
            assertEquals(proxy.engine().settings().effectiveSelectorThreads(), proxy.tlsBufferPools().size(),
                    "a TLS pool per selector loop");

            sink.resume();
            HttpResponse response = download.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.status());
            assertEquals(SIZE, sink.count());
            assertEquals(TestBackend.digestOfGenerated(SIZE, 5), sink.hex(), "every byte, in order, after the stall");
            assertTrue(proxy.peakBuffersInUse() <= PLAINTEXT_BUFFERS, "peak plaintext buffers: " + proxy.peakBuffersInUse());
            assertTrue(proxy.peakTlsBuffersInUse() <= TLS_BUFFERS, "peak TLS buffers: " + proxy.peakTlsBuffersInUse());
            Await.until("plaintext buffers back in their pools", () -> proxy.buffersInUse() == 0);
            Await.until("TLS buffers back in their pools", () -> proxy.tlsBuffersInUse() == 0);
        }
    }

    /**
     * Waits until the backend's written count stops moving for 300 ms (its write is blocked on a
     * full window) and returns it.
     */
    private static long awaitBackendBlocked(TestBackend backend) {
        long[] last = {-1, System.nanoTime()};
        Await.until("the backend's writes block", Duration.ofSeconds(15), () -> {
            long now = backend.bytesWritten();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - last[1] >= TimeUnit.MILLISECONDS.toNanos(300);
        });
        return last[0];
    }

    /** Digests what it is given; blocks the writer once {@code stallAfter} bytes have come, until resumed. */
    private static final class StallingSink extends OutputStream {
        private final Digests.Sha256Sink digest = Digests.sha256Sink();
        private final long stallAfter;
        final CountDownLatch stalled = new CountDownLatch(1);
        private final CountDownLatch resumed = new CountDownLatch(1);

        StallingSink(long stallAfter) {
            this.stallAfter = stallAfter;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            digest.write(b, off, len);
            if (digest.count() >= stallAfter && stalled.getCount() > 0) {
                stalled.countDown();
                try {
                    if (!resumed.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("never resumed");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while stalled");
                }
            }
        }

        void resume() {
            resumed.countDown();
        }

        long count() {
            return digest.count();
        }

        String hex() {
            return digest.hex();
        }
    }
}
