package io.turnout.engine.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * The identity that new handshakes use, swapped whole by {@link #reload} (SPEC §12), and the
 * handshake counters of {@code /metrics}. Connections already open keep the engine they were
 * given; a failed reload leaves the identity in force untouched.
 */
public final class TlsContext {
    private static final String[] APPLICATION_PROTOCOLS = {"http/1.1"};

    static {
        // A client that renegotiates TLS 1.2 can make the server redo its most expensive step at
        // will; the JDK refuses it with this property, read once when JSSE initialises.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    private final TlsSettings settings;
    private final Clock clock;
    private volatile TlsIdentity identity;
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();

    private TlsContext(TlsSettings settings, Clock clock, TlsIdentity identity) {
        this.settings = settings;
        this.clock = clock;
        this.identity = identity;
    }

    /** Loads the files of {@code settings} now; a problem is a {@link TlsConfigException}. */
    public static TlsContext open(TlsSettings settings) {
        return open(settings, Clock.systemUTC());
    }

    public static TlsContext open(TlsSettings settings, Clock clock) {
        return new TlsContext(settings, clock, TlsIdentity.load(settings, clock.instant()));
    }

    /**
     * Reads the same files again, for new handshakes. On a {@link TlsConfigException} the
     * identity in force stays. Safe from any thread.
     */
    public synchronized TlsIdentity reload() {
        TlsIdentity loaded = TlsIdentity.load(settings, clock.instant());
        identity = loaded;
        return loaded;
    }

    public TlsIdentity identity() {
        return identity;
    }

    /** A server-side engine for one new connection: the configured protocols, ALPN http/1.1. */
    public SSLEngine newEngine() {
        SSLEngine engine = identity.context().createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(settings.protocols().toArray(new String[0]));
        parameters.setApplicationProtocols(APPLICATION_PROTOCOLS);
        parameters.setNeedClientAuth(false);
        engine.setSSLParameters(parameters);
        return engine;
    }

    public void handshakeDone() {
        handshakes.increment();
    }

    public void handshakeFailed() {
        handshakeFailures.increment();
    }

    /** Handshakes completed since start. */
    public long handshakes() {
        return handshakes.sum();
    }

    /** Handshakes that ended in an alert, a timeout or a close before they completed. */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Until the certificate in force expires; negative once it has. */
    public Duration untilExpiry() {
        return Duration.between(clock.instant(), identity.notAfter());
    }
}
