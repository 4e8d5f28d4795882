package io.turnout.engine.testsupport;

import io.turnout.engine.ProxyEngine;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.net.BufferPool;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.route.TransitionMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * A real proxy on 127.0.0.1 (ephemeral port) with its own snapshot writer, for tests. Clusters
 * are added and removed through the writer, exactly as the admin API does.
 */
public final class RunningProxy implements AutoCloseable {
    private final SnapshotWriter writer;
    private final ProxyEngine engine;
    private final List<AutoCloseable> owned = new ArrayList<>();

    private RunningProxy(ProxySettings settings) {
        this.writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        this.engine = new ProxyEngine(settings, writer);
        try {
            engine.start();
        } catch (IOException e) {
            writer.close();
            throw new UncheckedIOException(e);
        }
    }

    /** A proxy with test-friendly settings: two selector threads, short drain. */
    public static RunningProxy start() {
        return start(b -> b);
    }

    public static RunningProxy start(UnaryOperator<ProxySettings.Builder> settings) {
        ProxySettings.Builder builder = ProxySettings.builder(0).hostname("127.0.0.1").selectorThreads(2)
                .drainTimeout(Duration.ofSeconds(5));
        return new RunningProxy(settings.apply(builder).build());
    }

    /**
     * A proxy in front of one backend as version 1.0; closing the proxy closes the backend too.
     * The usual setup of a test about one exchange.
     */
    public static RunningProxy fronting(TestBackend backend) {
        RunningProxy proxy = start();
        proxy.owned.add(backend);
        proxy.addCluster("1.0", backend);
        return proxy;
    }

    public int port() {
        return engine.port();
    }

    public SnapshotWriter writer() {
        return writer;
    }

    public ProxyEngine engine() {
        return engine;
    }

    /** Adds an INSTANT cluster of these backends; returns it as published. */
    public Cluster addCluster(String version, TestBackend... backends) {
        return addCluster(Cluster.builder(UUID.randomUUID().toString(), version)
                .mode(TransitionMode.INSTANT).servers(servers(backends)));
    }

    /** Adds a cluster; waits until routing sees it (as the admin 202 does). */
    public Cluster addCluster(Cluster.Builder builder) {
        Cluster cluster = builder.build();
        ClusterSnapshot published = writer.submit(s -> s.with(cluster)).join();
        return published.byUuid(cluster.uuid());
    }

    /** A cluster whose servers are the given {@code host:port} addresses. */
    public Cluster addClusterAt(String version, String... addresses) {
        List<Server> servers = new ArrayList<>();
        for (String address : addresses) {
            int colon = address.lastIndexOf(':');
            servers.add(new Server(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
        }
        return addCluster(Cluster.builder(UUID.randomUUID().toString(), version).servers(servers));
    }

    /**
     * Waits until every mutation already queued (an ejection or rollback the data path asked for
     * before answering) is published: the writer applies its queue in order.
     */
    public void settle() {
        writer.submit(s -> s).join();
    }

    public void removeCluster(String uuid) {
        writer.submit(s -> s.without(uuid)).join();
    }

    public static List<Server> servers(TestBackend... backends) {
        List<Server> servers = new ArrayList<>();
        for (TestBackend backend : backends) {
            servers.add(new Server("127.0.0.1", backend.port()));
        }
        return servers;
    }

    /** Buffers in use across every selector thread's pool. */
    public int buffersInUse() {
        int n = 0;
        for (BufferPool pool : engine.server().bufferPools()) {
            n += pool.inUse();
        }
        return n;
    }

    public int peakBuffersInUse() {
        int n = 0;
        for (BufferPool pool : engine.server().bufferPools()) {
            n += pool.peakInUse();
        }
        return n;
    }

    /** The TLS record buffers' pools, one per selector loop, apart from the plaintext ones. */
    public List<BufferPool> tlsBufferPools() {
        return engine.server().tlsBufferPools();
    }

    /** TLS record buffers in use across every selector thread's TLS pool. */
    public int tlsBuffersInUse() {
        int n = 0;
        for (BufferPool pool : tlsBufferPools()) {
            n += pool.inUse();
        }
        return n;
    }

    public int peakTlsBuffersInUse() {
        int n = 0;
        for (BufferPool pool : tlsBufferPools()) {
            n += pool.peakInUse();
        }
        return n;
    }

    @Override
    public void close() {
        engine.shutdownGracefully();
        writer.close();
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + resource, e);
            }
        }
    }
}
