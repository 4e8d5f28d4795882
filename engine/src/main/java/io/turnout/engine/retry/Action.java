package io.turnout.engine.retry;

/** What happens after a failed try, as {@link RetryPolicy#decide} says. */
public enum Action {
    /** Send the request again to the next candidate server (same cluster first, then the previous version). */
    RETRY_NEXT,
    /** Send it again to the same server over a new connection: the pooled one had gone stale. */
    RETRY_FRESH,
    /** CONCURRENT: the previous version's answer, already on its way, goes to the client. */
    PROMOTE_SHADOW,
    /** The server's own 5xx response goes to the client as it is. */
    RELAY,
    ANSWER_502,
    ANSWER_503,
    ANSWER_504,
    /** Part of the response already reached the client: closing is the only honest signal left. */
    CLOSE;

    /** The status of a canned error answer, or 0 when this action is not one. */
    public int status() {
        return switch (this) {
            case ANSWER_502 -> 502;
            case ANSWER_503 -> 503;
            case ANSWER_504 -> 504;
            default -> 0;
        };
    }
}
