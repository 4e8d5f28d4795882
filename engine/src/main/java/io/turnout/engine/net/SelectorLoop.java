package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.retry.RetryBudget;
import io.turnout.engine.retry.RetryPolicy;
import io.turnout.engine.route.Router;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.tinylog.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One selector thread. It owns its client and upstream channels, its buffer pool and its upstream
 * pool; nothing it owns is touched by another thread. The loop reads top to bottom like Jetty's
 * {@code ManagedSelector}: run queued commands, select with a deadline, dispatch ready keys, sweep
 * the timers. Other threads reach it only through {@link #execute}.
 */
public final class SelectorLoop implements Runnable {
    static final long SWEEP_INTERVAL_NANOS = 100_000_000L;
    private static final int MAX_ACCEPTS_PER_WAKEUP = 64;

    private final int index;
    private final Selector selector;
    private final ProxyContext context;
    private final BufferPool buffers;
    /** TLS records, sized for them; {@code null} on a plain listener. */
    private final BufferPool tlsBuffers;
    private final UpstreamPool upstreams;
    private final Router router = new Router();
    private final RetryPolicy retryPolicy;
    private final MpscUnboundedXaddArrayQueue<Runnable> commands = new MpscUnboundedXaddArrayQueue<>(64);
    /** Netty's pattern: only wake the selector when this loop is (about to be) blocked in select. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final ArrayList<Timed> sweepList = new ArrayList<>();
    /** Made once: a method reference evaluated per select would be a new object each time. */
    private final java.util.function.Consumer<SelectionKey> dispatcher = this::dispatch;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private SelectionKey acceptKey;
    private long nextSweep;
    private boolean draining;
    private volatile boolean running = true;

    SelectorLoop(int index, ProxyContext context) throws IOException {
        this.index = index;
        this.context = context;
        this.selector = Selector.open();
        ProxySettings settings = context.settings();
        this.buffers = new BufferPool(settings.bufferSize(), settings.effectiveMaxBuffersPerThread());
        this.tlsBuffers = context.tls() == null ? null
                : new BufferPool(context.tlsBufferSize(), context.tlsBuffersPerThread());
        this.upstreams = new UpstreamPool(this);
        // SPEC §3's floor of 10 retries per second, shared out between the loops.
        this.retryPolicy = new RetryPolicy(settings.maxRetries(),
                new RetryBudget(Math.max(1, 10 / settings.effectiveSelectorThreads())));
        this.thread = new Thread(this, "turnout-selector-" + index);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code command} on this loop's thread. Safe from any thread. */
    public void execute(Runnable command) {
        commands.offer(command);
        if (Thread.currentThread() != thread && !awake.get() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    @Override
    public void run() {
        nextSweep = System.nanoTime() + SWEEP_INTERVAL_NANOS;
        while (running) {
            try {
                runCommands();
                long timeoutMillis = Math.max(1, (nextSweep - System.nanoTime()) / 1_000_000L);
                awake.set(false);
                if (commands.isEmpty()) {
                    selector.select(dispatcher, timeoutMillis);
                } else {
                    selector.selectNow(dispatcher);
                }
                awake.set(true);
                long now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    sweep(now);
                    nextSweep = now + SWEEP_INTERVAL_NANOS;
                }
            } catch (Throwable t) {
                // An internal error must never kill the selector thread (STYLE).
                Logger.error(t, "Selector loop {} failed; continuing", index);
            }
        }
        closeEverything();
        stopped.countDown();
    }

    private void runCommands() {
        Runnable command;
        int budget = 1024;
        while (budget-- > 0 && (command = commands.poll()) != null) {
            try {
                command.run();
            } catch (RuntimeException e) {
                Logger.error(e, "Selector command failed");
            }
        }
    }

    /**
     * Whatever an attachment throws closes that attachment, and only it (Jetty's
     * {@code ManagedSelector.processSelected}): the loop and every other connection go on.
     */
    private void dispatch(SelectionKey key) {
        Object attachment = key.attachment();
        try {
            if (attachment instanceof IoHandler handler) {
                handler.onReady(key);
            } else if (key.isValid() && key.isAcceptable()) {
                acceptAll((ServerSocketChannel) key.channel());
            }
        } catch (Throwable t) {
            Logger.error(t, "Handler failed on {}", attachment);
            if (attachment instanceof IoHandler handler) {
                handler.closeAfterError();
            }
        }
    }

    private void sweep(long now) {
        // Backwards, because onTimeout may remove the entry (swap-remove keeps earlier ones in place).
        for (int i = sweepList.size() - 1; i >= 0; i--) {
            if (i >= sweepList.size()) {
                continue;
            }
            Timed timed = sweepList.get(i);
            if (timed.deadline != 0 && now - timed.deadline >= 0) {
                timed.deadline = 0;
                try {
                    timed.onTimeout(now);
                } catch (RuntimeException e) {
                    Logger.error(e, "Timeout handler failed");
                }
            }
        }
        if (acceptKey != null && acceptKey.isValid() && acceptKey.interestOps() == 0 && canAccept()) {
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    void track(Timed timed) {
        if (timed.sweepIndex < 0) {
            timed.sweepIndex = sweepList.size();
            sweepList.add(timed);
        }
    }

    void untrack(Timed timed) {
        int i = timed.sweepIndex;
        if (i < 0) {
            return;
        }
        Timed last = sweepList.remove(sweepList.size() - 1);
        if (last != timed) {
            sweepList.set(i, last);
            last.sweepIndex = i;
        }
        timed.sweepIndex = -1;
    }

    // ---- accepting ---------------------------------------------------------------------------

    void listen(ServerSocketChannel server) {
        execute(() -> {
            try {
                acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            } catch (ClosedChannelException e) {
                Logger.debug("Listener closed before loop {} registered it", index);
            }
        });
    }

    private boolean canAccept() {
        return !draining && context.openClients().get() < context.settings().maxConnections();
    }

    private void acceptAll(ServerSocketChannel server) {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP; i++) {
            // The slot is reserved before accepting, so loops racing for the last one cannot
            // both take it. Above maxConnections new clients wait in the kernel's backlog.
            if (draining || context.openClients().incrementAndGet() > context.settings().maxConnections()) {
                if (!draining) {
                    context.openClients().decrementAndGet();
                }
                acceptKey.interestOps(0);
                return;
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                context.openClients().decrementAndGet();
                Logger.warn("Accept failed: {}", e.getMessage());
                return;
            }
            if (channel == null) {
                context.openClients().decrementAndGet();
                return;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                ClientConnection client = new ClientConnection(this, channel);
                client.register(selector);
            } catch (IOException e) {
                context.openClients().decrementAndGet();
                closeQuietly(channel);
            }
        }
    }

    void clientClosed() {
        context.openClients().decrementAndGet();
        if (acceptKey != null && acceptKey.isValid() && acceptKey.interestOps() == 0 && canAccept()) {
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    // ---- draining and stopping -----------------------------------------------------------------

    /** Stops accepting; idle clients are closed now, busy ones after their current exchange. */
    void beginDrain() {
        execute(() -> {
            draining = true;
            if (acceptKey != null) {
                acceptKey.cancel();
                acceptKey = null;
            }
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof ClientConnection client) {
                    client.onDrain();
                }
            }
        });
    }

    boolean isDraining() {
        return draining;
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    boolean awaitStopped(long millis) throws InterruptedException {
        return stopped.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void closeEverything() {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ClientConnection client) {
                client.close();
            } else {
                closeQuietly(key.channel());
            }
        }
        upstreams.closeAll();
        try {
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void closeQuietly(SelectableChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    // ---- what connections share -----------------------------------------------------------------

    Selector selector() {
        return selector;
    }

    ProxyContext context() {
        return context;
    }

    public BufferPool buffers() {
        return buffers;
    }

    /** The TLS record buffers; {@code null} when the proxy speaks plain HTTP. */
    public BufferPool tlsBuffers() {
        return tlsBuffers;
    }

    RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    Router router() {
        return router;
    }

    UpstreamPool upstreams() {
        return upstreams;
    }
}
