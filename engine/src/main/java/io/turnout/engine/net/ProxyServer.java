package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.tls.TlsContext;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening sockets and the selector loops. Each loop has a listener of its own, all bound to
 * the same port with {@code SO_REUSEPORT}, so the kernel spreads new connections evenly over the
 * loops (instead of whichever loop wakes first taking them), and an accepted connection stays on
 * the loop that accepted it with no hand-off between threads. Where the platform has no
 * {@code SO_REUSEPORT}, the loops share one listener.
 */
public final class ProxyServer {
    private final ProxySettings settings;
    private final ProxyContext context;
    private final List<SelectorLoop> loops = new ArrayList<>();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private boolean stopped;

    public ProxyServer(ProxySettings settings, SnapshotWriter writer, HealthMonitor health, TlsContext tls) {
        this.settings = settings;
        this.context = new ProxyContext(settings, writer, health, tls);
    }

    /**
     * Binds and starts the loops. {@code joinRunning} (a takeover, SPEC §11) binds beside the
     * Turnout that serves the port now; otherwise a port anyone listens on is refused.
     */
    public synchronized void start(boolean joinRunning) throws IOException {
        InetSocketAddress address = new InetSocketAddress(settings.hostname(), settings.port());
        if (settings.port() != 0 && !joinRunning) {
            Listeners.refuseIfTaken(address);
        }
        int threads = settings.effectiveSelectorThreads();
        ServerSocketChannel shared = null;
        for (int i = 0; i < threads; i++) {
            ServerSocketChannel listener = shared;
            if (listener == null) {
                listener = Listeners.open(address, 4096);
                listeners.add(listener);
                address = (InetSocketAddress) listener.getLocalAddress(); // the port 0 chose, for the others
                if (!Listeners.SHAREABLE) {
                    shared = listener;
                }
            }
            SelectorLoop loop = new SelectorLoop(i, context);
            loops.add(loop);
            loop.start();
            loop.listen(listener);
        }
    }

    public synchronized int port() {
        return listeners.get(0).socket().getLocalPort();
    }

    /** Stops accepting, waits up to {@code drain} for open exchanges to finish, then stops. */
    public synchronized void shutdownGracefully(Duration drain) {
        if (stopped || listeners.isEmpty()) {
            return;
        }
        stopped = true;
        for (SelectorLoop loop : loops) {
            loop.beginDrain();
        }
        // New clients are refused from now on; the loops drop their accept keys as they wake.
        for (ServerSocketChannel listener : listeners) {
            SelectorLoop.closeQuietly(listener);
        }
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (context.openClients().get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // a shutdown path, polled: not a data path wait
            }
            if (context.openClients().get() > 0) {
                Logger.warn("Drain timeout: closing {} connections still open", context.openClients().get());
            }
            for (SelectorLoop loop : loops) {
                loop.stop();
            }
            for (SelectorLoop loop : loops) {
                loop.awaitStopped(5_000);
            }
            context.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Open client connections across all loops. */
    public int openClients() {
        return context.openClients().get();
    }

    public int openUpstreams() {
        return context.openUpstreams().get();
    }

    /** The loops' TLS record pools, for tests and metrics; empty on a plain listener. */
    public List<BufferPool> tlsBufferPools() {
        List<BufferPool> pools = new ArrayList<>();
        for (SelectorLoop loop : loops) {
            if (loop.tlsBuffers() != null) {
                pools.add(loop.tlsBuffers());
            }
        }
        return pools;
    }

    /** The buffer pools of the loops, for tests and metrics. */
    public List<BufferPool> bufferPools() {
        List<BufferPool> pools = new ArrayList<>();
        for (SelectorLoop loop : loops) {
            pools.add(loop.buffers());
        }
        return pools;
    }
}
