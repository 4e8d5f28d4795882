package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening socket and the selector loops that share it. Every loop registers the same
 * server channel for OP_ACCEPT, so accepted connections stay on the loop that accepted them and
 * no hand-off between threads is needed.
 */
public final class ProxyServer {
    private final ProxySettings settings;
    private final ProxyContext context;
    private final List<SelectorLoop> loops = new ArrayList<>();
    private ServerSocketChannel listener;
    private boolean stopped;

    public ProxyServer(ProxySettings settings, SnapshotWriter writer, HealthMonitor health) {
        this.settings = settings;
        this.context = new ProxyContext(settings, writer, health);
    }

    public synchronized void start() throws IOException {
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.configureBlocking(false);
        listener.bind(new InetSocketAddress(settings.hostname(), settings.port()), 4096);
        int threads = settings.effectiveSelectorThreads();
        for (int i = 0; i < threads; i++) {
            SelectorLoop loop = new SelectorLoop(i, context);
            loops.add(loop);
            loop.start();
            loop.listen(listener);
        }
    }

    public synchronized int port() {
        return ((InetSocketAddress) listener.socket().getLocalSocketAddress()).getPort();
    }

    /** Stops accepting, waits up to {@code drain} for open exchanges to finish, then stops. */
    public synchronized void shutdownGracefully(Duration drain) {
        if (stopped || listener == null) {
            return;
        }
        stopped = true;
        for (SelectorLoop loop : loops) {
            loop.beginDrain();
        }
        // New clients are refused from now on; the loops drop their accept keys as they wake.
        SelectorLoop.closeQuietly(listener);
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

    /** The buffer pools of the loops, for tests and metrics. */
    public List<BufferPool> bufferPools() {
        List<BufferPool> pools = new ArrayList<>();
        for (SelectorLoop loop : loops) {
            pools.add(loop.buffers());
        }
        return pools;
    }
}
