package io.turnout.engine.route;

/** Where one request goes. Reused per connection; written by {@link Router}. */
public final class RouteDecision {
    /** The cluster to try first. */
    Cluster primary;
    /** The cluster to fall back to when every server of {@link #primary} failed; may be null. */
    Cluster fallback;
    /** The newest cluster at routing time; its mode decided the route. */
    Cluster newest;

    public Cluster primary() {
        return primary;
    }

    public Cluster fallback() {
        return fallback;
    }

    public Cluster newest() {
        return newest;
    }

    void set(Cluster newest, Cluster primary, Cluster fallback) {
        this.newest = newest;
        this.primary = primary;
        this.fallback = fallback;
    }
}
