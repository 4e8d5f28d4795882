package io.turnout.engine.route;

import java.util.Locale;

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
    /** GRADUAL: the transition counter this request was routed by. */
    double transitionCounter;

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

    /**
     * What the thesis's {@code Serving response} line says after {@code mode: [...]} for a response
     * {@code served} gave: {@code session timeout [60] uuid [...]} for SESSION, {@code transition
     * counter [4.00] percentage transition per request [1.00]} for GRADUAL (the counter this
     * request was routed by, when {@code served} is the newest), else nothing. Only called at INFO.
     */
    public String thesisModeFields(Cluster served) {
        return switch (served.mode()) {
            case SESSION -> " session timeout [" + served.sessionTimeoutSeconds() + "] uuid [" + served.uuid() + "]";
            case GRADUAL -> {
                double counter = served == newest ? transitionCounter : served.transitionCounter(System.currentTimeMillis());
                yield served.percentagePerMinute() > 0
                        ? String.format(Locale.ROOT, " transition counter [%.2f] percentage transition per minute [%.2f]",
                                counter, served.percentagePerMinute())
                        : String.format(Locale.ROOT, " transition counter [%.2f] percentage transition per request [%.2f]",
                                counter, served.percentagePerRequest());
            }
            default -> "";
        };
    }

    void set(Cluster newest, Cluster primary, Cluster fallback) {
        this.newest = newest;
        this.primary = primary;
        this.fallback = fallback;
        this.shadow = null;
        this.transitionLength = 0;
    }
}
