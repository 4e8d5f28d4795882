package io.turnout.engine.route;

import io.turnout.engine.counters.ClusterState;
import io.turnout.engine.settings.RollbackPolicy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One version of the application: its servers and the mode by which traffic moves to it.
 * Immutable: ejection and re-admission produce a new {@code Cluster} that shares the same
 * {@link ClusterState} (counters that live as long as the version does).
 */
public final class Cluster {
    private final String uuid;
    private final byte[] uuidBytes;
    private final String version;
    private final TransitionMode mode;
    private final long sessionTimeoutSeconds;
    private final double percentagePerRequest;
    private final double percentagePerMinute;
    private final long transitionStartMillis;
    private final boolean mirrorUnsafeMethods;
    private final boolean h2cUpgrade;
    private final RollbackPolicy rollback;
    private final List<Server> servers;
    private final boolean[] ejected;
    private final long sequence;
    private final ClusterState state;

    private Cluster(Builder b, boolean[] ejected, ClusterState state) {
        this.uuid = b.uuid.toLowerCase(Locale.ROOT);
        this.uuidBytes = uuid.getBytes(StandardCharsets.US_ASCII);
        this.version = b.version;
        this.mode = b.mode;
        this.sessionTimeoutSeconds = b.sessionTimeoutSeconds;
        this.percentagePerRequest = b.percentagePerRequest;
        this.percentagePerMinute = b.percentagePerMinute;
        this.transitionStartMillis = b.transitionStartMillis;
        this.mirrorUnsafeMethods = b.mirrorUnsafeMethods;
        this.h2cUpgrade = b.h2cUpgrade;
        this.rollback = b.rollback;
        this.servers = List.copyOf(b.servers);
        this.ejected = ejected;
        this.sequence = b.sequence;
        this.state = state;
    }

    public static Builder builder(String uuid, String version) {
        return new Builder(uuid, version);
    }

    public String uuid() {
        return uuid;
    }

    /** The lower-case uuid in ASCII, compared against cookie bytes without decoding them. */
    public byte[] uuidBytes() {
        return uuidBytes;
    }

    public String version() {
        return version;
    }

    public TransitionMode mode() {
        return mode;
    }

    /** Seconds; meaningful for SESSION only. */
    public long sessionTimeoutSeconds() {
        return sessionTimeoutSeconds;
    }

    /** Percentage points added to the transition counter per routed request; GRADUAL only, else 0. */
    public double percentagePerRequest() {
        return percentagePerRequest;
    }

    /** Percentage points added to the transition counter per minute since the start; GRADUAL only, else 0. */
    public double percentagePerMinute() {
        return percentagePerMinute;
    }

    /** When a per-minute GRADUAL ramp started (epoch milliseconds): when this version was added. */
    public long transitionStartMillis() {
        return transitionStartMillis;
    }

    /**
     * GRADUAL's transition counter at {@code nowMillis}, 0..100 (SPEC §2): minutes since the start
     * times the percentage per minute, or routed requests times the percentage per request.
     */
    public double transitionCounter(long nowMillis) {
        if (percentagePerMinute > 0) {
            double minutes = Math.max(0, nowMillis - transitionStartMillis) / 60_000.0;
            return Math.min(100.0, minutes * percentagePerMinute);
        }
        return state.transitionCounter(percentagePerRequest);
    }

    /**
     * Counts a request routed while this cluster is the newest in GRADUAL mode (a per-request
     * counter counts it first, so the k-th request sees k * p) and returns the counter it is routed by.
     */
    public double countGradualRequest(long nowMillis) {
        if (percentagePerMinute == 0) {
            state.countGradualRequest(percentagePerRequest);
        }
        return transitionCounter(nowMillis);
    }

    public boolean mirrorUnsafeMethods() {
        return mirrorUnsafeMethods;
    }

    /**
     * Whether a client may switch to h2c (HTTP/2 over cleartext) through {@code Upgrade}. Off
     * by default: it opens a tunnel past the proxy's checks (h2c smuggling), and RFC 9113 §3.1
     * dropped it.
     */
    public boolean h2cUpgrade() {
        return h2cUpgrade;
    }

    /** This cluster's own thresholds, or {@code null} to use the proxy-wide ones. */
    public RollbackPolicy rollback() {
        return rollback;
    }

    public List<Server> servers() {
        return servers;
    }

    public boolean isEjected(int serverIndex) {
        return ejected[serverIndex];
    }

    public int ejectedCount() {
        int n = 0;
        for (boolean e : ejected) {
            if (e) {
                n++;
            }
        }
        return n;
    }

    public int indexOf(Server server) {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i) == server) {
                return i;
            }
        }
        return -1;
    }

    /** Insertion order; breaks ties between equal versions (the newer one ranks first). */
    public long sequence() {
        return sequence;
    }

    public ClusterState state() {
        return state;
    }

    /** A copy with one server's ejection flag changed; counters are shared. */
    public Cluster withEjected(Server server, boolean isEjected) {
        int index = indexOf(server);
        if (index < 0 || ejected[index] == isEjected) {
            return this;
        }
        boolean[] next = ejected.clone();
        next[index] = isEjected;
        return new Cluster(toBuilder(), next, state);
    }

    public Builder toBuilder() {
        Builder b = new Builder(uuid, version);
        b.mode = mode;
        b.sessionTimeoutSeconds = sessionTimeoutSeconds;
        b.percentagePerRequest = percentagePerRequest;
        b.percentagePerMinute = percentagePerMinute;
        b.transitionStartMillis = transitionStartMillis;
        b.mirrorUnsafeMethods = mirrorUnsafeMethods;
        b.h2cUpgrade = h2cUpgrade;
        b.rollback = rollback;
        b.servers = servers;
        b.sequence = sequence;
        return b;
    }

    @Override
    public String toString() {
        return "version: " + version + " " + servers;
    }

    public static final class Builder {
        private final String uuid;
        private final String version;
        private TransitionMode mode = TransitionMode.INSTANT;
        private long sessionTimeoutSeconds;
        private double percentagePerRequest;
        private double percentagePerMinute;
        private long transitionStartMillis;
        private boolean mirrorUnsafeMethods;
        private boolean h2cUpgrade;
        private RollbackPolicy rollback;
        private List<Server> servers = List.of();
        private long sequence;

        private Builder(String uuid, String version) {
            this.uuid = Objects.requireNonNull(uuid, "uuid");
            this.version = Objects.requireNonNull(version, "version");
        }

        public Builder mode(TransitionMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder sessionTimeoutSeconds(long seconds) {
            this.sessionTimeoutSeconds = seconds;
            return this;
        }

        public Builder percentagePerRequest(double percentage) {
            this.percentagePerRequest = percentage;
            return this;
        }

        public Builder percentagePerMinute(double percentage) {
            this.percentagePerMinute = percentage;
            return this;
        }

        /** When a per-minute ramp started, in epoch milliseconds; kept across restarts by the state file. */
        public Builder transitionStartMillis(long epochMillis) {
            this.transitionStartMillis = epochMillis;
            return this;
        }

        public Builder h2cUpgrade(boolean allowed) {
            this.h2cUpgrade = allowed;
            return this;
        }

        public Builder mirrorUnsafeMethods(boolean mirror) {
            this.mirrorUnsafeMethods = mirror;
            return this;
        }

        public Builder rollback(RollbackPolicy policy) {
            this.rollback = policy;
            return this;
        }

        public Builder servers(List<Server> servers) {
            this.servers = List.copyOf(servers);
            return this;
        }

        /** Set by the snapshot writer when the cluster is added. */
        public Builder sequence(long sequence) {
            this.sequence = sequence;
            return this;
        }

        public Cluster build() {
            return new Cluster(this, new boolean[servers.size()], new ClusterState());
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(uuidBytes);
    }
}
