package io.turnout.engine.retry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3 (and §2 for CONCURRENT) as a table: one row per rule, the facts of a failed try, and
 * what the policy must decide. No sockets: the policy is data, and this is its specification.
 */
class RetryPolicyTest {
    private static final int MAX_RETRIES = 2;
    private static final long NOW = 5_000_000_000L;

    /** Budget: whether resending bytes a server already had is still allowed. */
    enum Budget { LEFT, SPENT }

    record Row(String rule, Failure failure, Attempt attempt, Budget budget, Action expected) {
        @Override
        public String toString() {
            return rule;
        }
    }

    /** A GET whose bytes reached the server once, with another candidate to try. */
    private static Attempt sentGet() {
        return new Attempt().begin(true).requestBytesSent(true).sends(1).nextCandidate(true);
    }

    /** A POST whose bytes reached the server once, with another candidate to try. */
    private static Attempt sentPost() {
        return new Attempt().begin(false).requestBytesSent(true).sends(1).nextCandidate(true);
    }

    /** A request of which no byte reached a server yet, with another candidate to try. */
    private static Attempt unsent(boolean safe) {
        return new Attempt().begin(safe).nextCandidate(true);
    }

    private static Row row(String rule, Failure failure, Attempt attempt, Action expected) {
        return new Row(rule, failure, attempt, Budget.LEFT, expected);
    }

    static List<Row> rows() {
        return List.of(
                row("§3 retry: a refused connect sent nothing, so the next server is tried",
                        Failure.CONNECT_REFUSED, unsent(false), Action.RETRY_NEXT),
                row("§3 retry: a connect timeout sent nothing, so the next server is tried",
                        Failure.CONNECT_TIMEOUT, unsent(true), Action.RETRY_NEXT),
                row("§3 oldest cluster down: no candidate left after a connect failure is a 502",
                        Failure.CONNECT_REFUSED, unsent(true).nextCandidate(false), Action.ANSWER_502),
                row("§2 CONCURRENT: L refused and nothing else to try, P's answer goes to the client",
                        Failure.CONNECT_REFUSED, unsent(true).nextCandidate(false).shadowCanAnswer(true),
                        Action.PROMOTE_SHADOW),
                row("§3 retry: a safe request reset before its head is sent again",
                        Failure.RESET, sentGet(), Action.RETRY_NEXT),
                row("§3 never replayed: a POST that may have reached a server gets 502",
                        Failure.RESET, sentPost(), Action.ANSWER_502),
                row("§3 retry: a POST no byte of which was sent may go elsewhere",
                        Failure.RESET, unsent(false), Action.RETRY_NEXT),
                row("§3 bounded: the third send (maxRetries 2) is still allowed",
                        Failure.RESET, sentGet().sends(2), Action.RETRY_NEXT),
                row("§3 bounded: a request is sent at most three times",
                        Failure.RESET, sentGet().sends(3), Action.ANSWER_502),
                new Row("§3 budget: past the retry budget the failure goes to the client",
                        Failure.RESET, sentGet(), Budget.SPENT, Action.ANSWER_502),
                new Row("§3 budget: trying elsewhere what no server had costs no budget",
                        Failure.CONNECT_REFUSED, unsent(true), Budget.SPENT, Action.RETRY_NEXT),
                row("§3 replay: a body no longer whole in the buffer cannot be sent again",
                        Failure.RESET, sentGet().replayable(false), Action.ANSWER_502),
                row("§3 no byte to the client yet is the condition: after one, the connection closes",
                        Failure.RESET, sentGet().responseStarted(true), Action.CLOSE),
                row("§3 5xx is a failure: a safe request is sent to the next candidate",
                        Failure.SERVER_ERROR, sentGet(), Action.RETRY_NEXT),
                row("§3 5xx of a POST reaches the client as it is, never replayed",
                        Failure.SERVER_ERROR, sentPost(), Action.RELAY),
                row("§3 5xx with no candidate left reaches the client as it is",
                        Failure.SERVER_ERROR, sentGet().nextCandidate(false), Action.RELAY),
                new Row("§3 budget: a 5xx past the budget reaches the client as it is",
                        Failure.SERVER_ERROR, sentGet(), Budget.SPENT, Action.RELAY),
                row("§2 CONCURRENT: L's 5xx means L failed, P answers",
                        Failure.SERVER_ERROR, sentPost().shadowCanAnswer(true), Action.PROMOTE_SHADOW),
                row("§3 a response timeout of a POST is a 504: it may have had its effect",
                        Failure.RESPONSE_TIMEOUT, sentPost(), Action.ANSWER_504),
                row("§3 a response timeout is a failure like the others: a safe request goes to the next candidate",
                        Failure.RESPONSE_TIMEOUT, sentGet(), Action.RETRY_NEXT),
                new Row("§3 budget: a response timeout past the budget is a 504",
                        Failure.RESPONSE_TIMEOUT, sentGet(), Budget.SPENT, Action.ANSWER_504),
                row("§3 a response timeout with no candidate left is a 504",
                        Failure.RESPONSE_TIMEOUT, sentGet().nextCandidate(false), Action.ANSWER_504),
                row("§3 bounded: a third response timeout is a 504",
                        Failure.RESPONSE_TIMEOUT, sentGet().sends(3), Action.ANSWER_504),
                row("§3 stale pool: a safe request reset on a reused connection before any response byte goes fresh to the same server",
                        Failure.RESET, sentGet().reusedConnection(true), Action.RETRY_FRESH),
                row("§3 stale pool: a POST none of which was sent goes fresh to the same server",
                        Failure.RESET, unsent(false).reusedConnection(true), Action.RETRY_FRESH),
                row("§3 stale pool: a POST that went out on a reused connection is never replayed",
                        Failure.RESET, sentPost().reusedConnection(true), Action.ANSWER_502),
                row("§3 stale pool: the fresh retry happens once; then the failure is the server's",
                        Failure.RESET, sentGet().reusedConnection(true).staleRetried(true), Action.RETRY_NEXT),
                row("§3 stale pool: a reused connection that sent response bytes failed for real",
                        Failure.RESET, sentGet().reusedConnection(true).responseBytesRead(true), Action.RETRY_NEXT),
                new Row("§3 stale pool: the same server again adds no load, so it needs no budget",
                        Failure.RESET, sentGet().reusedConnection(true), Budget.SPENT, Action.RETRY_FRESH),
                row("§3 stale pool: a body no longer whole in the buffer cannot go fresh either",
                        Failure.RESET, sentGet().reusedConnection(true).replayable(false).nextCandidate(false),
                        Action.ANSWER_502),
                row("§2 CONCURRENT: L's head not in time means L failed, P answers",
                        Failure.RESPONSE_TIMEOUT, sentGet().shadowCanAnswer(true), Action.PROMOTE_SHADOW),
                row("§3/§7 a response that cannot be framed safely is a 502, never relayed",
                        Failure.BAD_RESPONSE, sentGet(), Action.ANSWER_502),
                row("§2 CONCURRENT: L's unrelayable head means L failed, P answers",
                        Failure.BAD_RESPONSE, sentGet().shadowCanAnswer(true), Action.PROMOTE_SHADOW),
                row("§3 the proxy's own lack of buffers is a 503, not the server's failure",
                        Failure.NO_BUFFER, sentGet(), Action.ANSWER_503),
                row("§2 CONCURRENT: once L's bytes reached the client, P cannot take over",
                        Failure.RESET, sentGet().responseStarted(true).shadowCanAnswer(true), Action.CLOSE),
                row("§3 5xx on a reused safe request with sends exhausted reaches the client",
                        Failure.SERVER_ERROR, sentGet().sends(3), Action.RELAY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decidesAsTheRuleSays(Row row) {
        RetryBudget budget = row.budget() == Budget.LEFT ? new RetryBudget(1_000) : new RetryBudget(0);
        RetryPolicy policy = new RetryPolicy(MAX_RETRIES, budget);
        assertEquals(row.expected(), policy.decide(row.failure(), row.attempt(), NOW), row.attempt().toString());
    }

    @Test
    void tableHasARowForEveryFailure() {
        for (Failure failure : Failure.values()) {
            assertTrue(rows().stream().anyMatch(r -> r.failure() == failure), failure.name());
        }
        assertTrue(rows().size() >= 20);
    }

    @Test
    void onlyTheProxysOwnShortageAndAStaleConnectionSpareTheServer() {
        RetryPolicy policy = new RetryPolicy(MAX_RETRIES, new RetryBudget(1_000));
        for (Failure failure : Failure.values()) {
            assertEquals(failure != Failure.NO_BUFFER, policy.blamesServer(failure, sentGet()), failure.name());
        }
        assertFalse(policy.blamesServer(Failure.RESET, sentGet().reusedConnection(true)),
                "§3: a stale pooled connection is not a server failure");
        assertTrue(policy.blamesServer(Failure.RESET, sentGet().reusedConnection(true).responseBytesRead(true)));
        assertTrue(policy.blamesServer(Failure.RESPONSE_TIMEOUT, sentGet().reusedConnection(true)),
                "a server that keeps a reused connection open and never answers is failing");
    }

    @Test
    void aResendTakesOneRetryFromTheBudget() {
        RetryBudget budget = new RetryBudget(1);
        RetryPolicy policy = new RetryPolicy(MAX_RETRIES, budget);
        assertEquals(Action.RETRY_NEXT, policy.decide(Failure.RESET, sentGet(), NOW));
        assertEquals(Action.ANSWER_502, policy.decide(Failure.RESET, sentGet(), NOW), "the floor of 1 per second is spent");
        assertFalse(budget.tryRetry(NOW));
    }
}
