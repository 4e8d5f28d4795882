package io.turnout.engine.net;

/** How an {@link Exchange} ended, for its {@link ClientConnection} to act on. */
enum ExchangeOutcome {
    RUNNING,
    /** The response is complete; the connection can carry the next request. */
    KEEP_ALIVE,
    /** The response is complete and the connection closes after it. */
    CLOSE,
    /** Close now: a response was cut short, or the client went away. */
    ABORT,
    /** A 101: the connection becomes a two-way tunnel. */
    TUNNEL,
    /** No response byte went out yet: answer with {@link #answerStatus()} and close. */
    ANSWER
}
