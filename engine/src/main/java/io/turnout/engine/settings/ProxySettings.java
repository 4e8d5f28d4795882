package io.turnout.engine.settings;

import io.turnout.engine.tls.TlsSettings;

import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's listening address, timeouts and limits (the {@code proxy} block of SPEC §1 plus
 * the global {@code rollback} block). {@code tls} is {@code null} for plain HTTP. Immutable; build
 * with {@link #builder(int)}.
 */
public record ProxySettings(
        String hostname,
        int port,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration headTimeout,
        Duration bodyTimeout,
        Duration idleTimeout,
        Duration drainTimeout,
        int selectorThreads,
        int maxHeadBytes,
        int bufferSize,
        int maxBuffersPerThread,
        int maxConnections,
        int maxRetries,
        RollbackPolicy rollback,
        TlsSettings tls) {

    public ProxySettings {
        Objects.requireNonNull(hostname, "hostname");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        if (maxHeadBytes > bufferSize) {
            throw new IllegalArgumentException("a head must fit one buffer: maxHeadBytes " + maxHeadBytes
                    + " > bufferSize " + bufferSize);
        }
    }

    /** All selector threads' buffer pools together stay under this when the size is automatic. */
    public static final long DIRECT_BUFFER_BUDGET = 512L * 1024 * 1024;

    /**
     * Buffers each selector thread may hold: {@code maxBuffersPerThread}, or when it is 0 a share
     * of {@link #DIRECT_BUFFER_BUDGET}, so the pools together fit the JVM's direct memory limit
     * ({@code scripts/turnout} sets 1 GiB) whatever the number of cores.
     */
    public int effectiveMaxBuffersPerThread() {
        if (maxBuffersPerThread > 0) {
            return maxBuffersPerThread;
        }
        return (int) Math.max(64, DIRECT_BUFFER_BUDGET / bufferSize / effectiveSelectorThreads());
    }

    /** Threads actually used: {@code selectorThreads}, or one per core when it is 0. */
    public int effectiveSelectorThreads() {
        return selectorThreads > 0 ? selectorThreads : Runtime.getRuntime().availableProcessors();
    }

    public static Builder builder(int port) {
        return new Builder(port);
    }

    public Builder toBuilder() {
        Builder b = new Builder(port);
        b.hostname = hostname;
        b.connectTimeout = connectTimeout;
        b.responseTimeout = responseTimeout;
        b.headTimeout = headTimeout;
        b.bodyTimeout = bodyTimeout;
        b.idleTimeout = idleTimeout;
        b.drainTimeout = drainTimeout;
        b.selectorThreads = selectorThreads;
        b.maxHeadBytes = maxHeadBytes;
        b.bufferSize = bufferSize;
        b.maxBuffersPerThread = maxBuffersPerThread;
        b.tls = tls;
        b.maxConnections = maxConnections;
        b.maxRetries = maxRetries;
        b.rollback = rollback;
        return b;
    }

    /** Defaults are SPEC §1's. */
    public static final class Builder {
        private String hostname = "0.0.0.0";
        private int port;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration responseTimeout = Duration.ofSeconds(30);
        private Duration headTimeout = Duration.ofSeconds(30);
        /** Idle time allowed between request body bytes (nginx's client_body_timeout). */
        private Duration bodyTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration drainTimeout = Duration.ofSeconds(30);
        private int selectorThreads;
        private int maxHeadBytes = 64 * 1024;
        private int bufferSize = 64 * 1024;
        private int maxBuffersPerThread;
        private TlsSettings tls;
        private int maxConnections = 10_000;
        private int maxRetries = 2;
        private RollbackPolicy rollback = RollbackPolicy.DEFAULT;

        private Builder(int port) {
            this.port = port;
        }

        public Builder hostname(String v) { hostname = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder responseTimeout(Duration v) { responseTimeout = v; return this; }
        public Builder headTimeout(Duration v) { headTimeout = v; return this; }
        public Builder bodyTimeout(Duration v) { bodyTimeout = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        public Builder selectorThreads(int v) { selectorThreads = v; return this; }
        public Builder maxHeadBytes(int v) { maxHeadBytes = v; return this; }
        public Builder bufferSize(int v) { bufferSize = v; return this; }
        public Builder maxBuffersPerThread(int v) { maxBuffersPerThread = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder maxRetries(int v) { maxRetries = v; return this; }
        public Builder rollback(RollbackPolicy v) { rollback = v; return this; }
        public Builder tls(TlsSettings v) { tls = v; return this; }

        public ProxySettings build() {
            return new ProxySettings(hostname, port, connectTimeout, responseTimeout, headTimeout, bodyTimeout, idleTimeout,
                    drainTimeout, selectorThreads, maxHeadBytes, bufferSize, maxBuffersPerThread, maxConnections,
                    maxRetries, rollback, tls);
        }
    }
}
