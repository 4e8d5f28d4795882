package io.turnout.engine.net;

import io.turnout.engine.health.EventLog;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop survives whatever its attachments do (STYLE: Jetty's {@code processSelected}): a
 * fault injected into one handler closes that endpoint, and only it, on a real selector with
 * real loopback sockets.
 */
class SelectorLoopTest {
    private SelectorLoop loop;
    private ProxyContext context;
    private HealthMonitor health;

    @BeforeEach
    void startLoop() throws IOException {
        ProxySettings settings = ProxySettings.builder(0).hostname("127.0.0.1").selectorThreads(1).build();
        SnapshotWriter writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        health = new HealthMonitor(writer, settings.rollback(), new EventLog(16), Duration.ofSeconds(1));
        context = new ProxyContext(settings, writer, health, null);
        loop = new SelectorLoop(0, context);
        loop.start();
    }

    @AfterEach
    void stopLoop() throws InterruptedException {
        loop.stop();
        assertTrue(loop.awaitStopped(5_000));
        health.close();
    }

    @Test
    void anUpstreamWhoseOwnerThrowsIsClosedAndTheOwnerTold() throws Exception {
        try (TestBackend backend = TestBackend.start("b", request -> Reply.ok("b"))) {
            ThrowingOwner owner = new ThrowingOwner();
            CompletableFuture<UpstreamConnection> opened = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    UpstreamConnection upstream = UpstreamConnection.open(loop, new Server("127.0.0.1", backend.port()), owner);
                    upstream.await(false, true); // connected or connecting: either way the owner hears
                    opened.complete(upstream);
                } catch (IOException e) {
                    opened.completeExceptionally(e);
                }
            });
            UpstreamConnection upstream = opened.get(5, TimeUnit.SECONDS);
            assertTrue(owner.closed.await(5, TimeUnit.SECONDS), "the owner was told its upstream is gone");
            Await.until("the upstream's socket is closed", () -> !upstream.channel.isOpen());
            Await.until("the open-upstream count is back to 0", () -> context.openUpstreams().get() == 0);
            assertTrue(owner.readyCalls.get() >= 1, "the fault came from the owner's handler");
        }
    }

    @Test
    void aHandlerThatThrowsIsClosedWhileTheNextOneKeepsBeingServed() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel faultyPeer = SocketChannel.open(listener.getLocalAddress());
             SocketChannel faultySide = listener.accept();
             SocketChannel healthyPeer = SocketChannel.open(listener.getLocalAddress());
             SocketChannel healthySide = listener.accept()) {
            FaultyHandler faulty = new FaultyHandler(faultySide);
            EchoHandler healthy = new EchoHandler(healthySide);
            CountDownLatch registered = new CountDownLatch(1);
            loop.execute(() -> {
                faulty.register(loop);
                healthy.register(loop);
                registered.countDown();
            });
            assertTrue(registered.await(5, TimeUnit.SECONDS));

            faultyPeer.write(ByteBuffer.wrap(new byte[]{1}));
            assertTrue(faulty.closed.await(5, TimeUnit.SECONDS), "closeAfterError was called");
            faultyPeer.configureBlocking(true);
            assertEquals(-1, faultyPeer.read(ByteBuffer.allocate(1)), "the faulty side's socket was closed");

            for (int i = 0; i < 3; i++) {
                healthyPeer.write(ByteBuffer.wrap(new byte[]{(byte) i}));
                ByteBuffer echo = ByteBuffer.allocate(1);
                assertEquals(1, healthyPeer.read(echo));
                assertEquals(i, echo.get(0), "the loop still serves the other connection");
            }
        }
    }

    /** Throws from every readiness callback, as a bug in an exchange would. */
    private static final class ThrowingOwner implements UpstreamOwner {
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger readyCalls = new AtomicInteger();

        @Override
        public void onUpstreamReady(UpstreamConnection from, int readyOps) {
            readyCalls.incrementAndGet();
            throw new IllegalStateException("injected fault");
        }

        @Override
        public void onUpstreamConnectFailed(UpstreamConnection from, IOException failure) {
            throw new IllegalStateException("the backend is up: connecting must not fail");
        }

        @Override
        public void onUpstreamTimeout(UpstreamConnection from) {
        }

        @Override
        public void closeAfterError(UpstreamConnection from) {
            closed.countDown();
        }
    }

    private abstract static class SocketHandler implements IoHandler {
        final SocketChannel channel;

        SocketHandler(SocketChannel channel) {
            this.channel = channel;
        }

        void register(SelectorLoop loop) {
            try {
                channel.configureBlocking(false);
                channel.register(loop.selector(), SelectionKey.OP_READ, this);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void closeAfterError() {
            SelectorLoop.closeQuietly(channel);
        }
    }

    private static final class FaultyHandler extends SocketHandler {
        final CountDownLatch closed = new CountDownLatch(1);

        FaultyHandler(SocketChannel channel) {
            super(channel);
        }

        @Override
        public void onReady(SelectionKey key) {
            throw new IllegalStateException("injected fault");
        }

        @Override
        public void closeAfterError() {
            super.closeAfterError();
            closed.countDown();
        }
    }

    private static final class EchoHandler extends SocketHandler {
        EchoHandler(SocketChannel channel) {
            super(channel);
        }

        @Override
        public void onReady(SelectionKey key) {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            try {
                if (channel.read(buffer) > 0) {
                    channel.write(buffer.flip());
                }
            } catch (IOException e) {
                closeAfterError();
            }
        }
    }
}
