package io.turnout.engine.route;

/** Where one request goes. Reused per connection; written by {@link Router}. */
public final class RouteDecision {
    static final int UUID_LENGTH = 36;

    /** The cluster to try first. */
    Cluster primary;
    /** The cluster to fall back to when every server of {@link #primary} failed; may be null. */
    Cluster fallback;
    /** The newest cluster at routing time; its mode decided the route. */
    Cluster newest;
    /** CONCURRENT: the previous version, asked in parallel; null otherwise. */
    Cluster shadow;
    /** GRADUAL: the client's transition uuid, from its cookie or newly made. */
    final byte[] transition = new byte[UUID_LENGTH];
    int transitionLength;

    public Cluster primary() {
        return primary;
    }

    public Cluster fallback() {
        return fallback;
    }

    public Cluster newest() {
        return newest;
    }

    /** CONCURRENT's second cluster, asked in parallel; null for every other mode. */
    public Cluster shadow() {
        return shadow;
    }

    void set(Cluster newest, Cluster primary, Cluster fallback) {
        this.newest = newest;
        this.primary = primary;
        this.fallback = fallback;
        this.shadow = null;
        this.transitionLength = 0;
    }
}
