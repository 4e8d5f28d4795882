package io.turnout.engine.settings;

/**
 * Thresholds of SPEC §3: a server is ejected after {@code consecutiveFailures} failures in a row;
 * the newest cluster is rolled back when, over its last {@code window} responses, the share of
 * failures reaches {@code failureRatio}.
 */
public record RollbackPolicy(int consecutiveFailures, int window, double failureRatio) {
    public static final RollbackPolicy DEFAULT = new RollbackPolicy(3, 20, 0.5);

    public RollbackPolicy {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures must be at least 1");
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1");
        }
        if (!(failureRatio > 0 && failureRatio <= 1)) {
            throw new IllegalArgumentException("failureRatio must be in (0, 1]");
        }
    }
}
