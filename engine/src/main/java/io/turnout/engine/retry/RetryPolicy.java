package io.turnout.engine.retry;

/**
 * Whether a failed try is sent again, and where (SPEC §3): the one place that answers "is this
 * retried?", as HAProxy's {@code do_l7_retry} is for its {@code retry-on} flags. The rules, in
 * the order they are checked:
 * <ol>
 *   <li>Once a response byte reached the client nothing can be retried or answered: close.</li>
 *   <li>A pooled connection that was reset or closed before any response byte had gone stale:
 *       the server only closed an idle connection. A request that cannot have had an effect
 *       twice is sent once more to the same server, on a new connection.</li>
 *   <li>CONCURRENT: when L times out, answers badly or answers 5xx, P's answer is already on its
 *       way and goes to the client.</li>
 *   <li>The proxy's own lack of buffers is answered 503; a head that cannot be relayed, 502.</li>
 *   <li>A request is sent again only while it is whole in the buffer, and only if no byte of it
 *       reached a server or it is safe; at most {@code 1 + maxRetries} sends in all; a resend
 *       of bytes already sent takes one retry from the retry budget.</li>
 *   <li>A 5xx or a response timeout is retried only for a safe request; otherwise the 5xx
 *       reaches the client as it is, and a timeout is answered 504.</li>
 *   <li>When nothing can be retried: P's answer if CONCURRENT has one, else 502.</li>
 * </ol>
 */
public final class RetryPolicy {
    private final int maxRetries;
    private final RetryBudget budget;

    public RetryPolicy(int maxRetries, RetryBudget budget) {
        this.maxRetries = maxRetries;
        this.budget = budget;
    }

    /** Counts a new request, which is what the retry budget is a share of. */
    public void onRequest(long nowNanos) {
        budget.onRequest(nowNanos);
    }

    public Action decide(Failure failure, Attempt attempt, long nowNanos) {
        if (attempt.responseStarted) {
            return Action.CLOSE;
        }
        if (isStale(failure, attempt) && attempt.replayable && !attempt.staleRetried
                && (attempt.safe || !attempt.requestBytesSent)) {
            return Action.RETRY_FRESH;
        }
        boolean headFailure = failure == Failure.RESPONSE_TIMEOUT || failure == Failure.BAD_RESPONSE
                || failure == Failure.SERVER_ERROR;
        if (attempt.shadowCanAnswer && headFailure) {
            return Action.PROMOTE_SHADOW;
        }
        switch (failure) {
            case NO_BUFFER -> {
                return Action.ANSWER_503;
            }
            case RESPONSE_TIMEOUT -> {
                return attempt.safe && mayResend(attempt, nowNanos) ? Action.RETRY_NEXT : Action.ANSWER_504;
            }
            case BAD_RESPONSE -> {
                return Action.ANSWER_502;
            }
            case SERVER_ERROR -> {
                return attempt.safe && mayResend(attempt, nowNanos) ? Action.RETRY_NEXT : Action.RELAY;
            }
            default -> {
                if (mayResend(attempt, nowNanos)) {
                    return Action.RETRY_NEXT;
                }
                return attempt.shadowCanAnswer ? Action.PROMOTE_SHADOW : Action.ANSWER_502;
            }
        }
    }

    /**
     * Whether a failure counts against the server that was tried (SPEC §3 ejection): not the
     * proxy's own shortage, and not a pooled connection the server had closed.
     */
    public boolean blamesServer(Failure failure, Attempt attempt) {
        return failure != Failure.NO_BUFFER && !isStale(failure, attempt);
    }

    /** SPEC §3: a reset or EOF on a reused keep-alive connection before any response byte. */
    private static boolean isStale(Failure failure, Attempt attempt) {
        return failure == Failure.RESET && attempt.reusedConnection && !attempt.responseBytesRead;
    }

    private boolean mayResend(Attempt attempt, long nowNanos) {
        if (!attempt.nextCandidate || !attempt.replayable) {
            return false;
        }
        if (!attempt.requestBytesSent) {
            return true; // nothing reached a server: trying elsewhere cannot repeat an effect
        }
        return attempt.safe && attempt.sends <= maxRetries && budget.tryRetry(nowNanos);
    }
}
