package io.turnout.engine.retry;

/**
 * The facts about one request that decide whether it can be tried again: what it is, how far it
 * got, and what is left to try. One per exchange, kept up to date as the exchange runs and reset
 * for every request, so deciding allocates nothing.
 */
public final class Attempt {
    boolean safe;
    boolean replayable;
    boolean requestBytesSent;
    boolean responseStarted;
    int sends;
    boolean nextCandidate;
    boolean shadowCanAnswer;
    boolean reusedConnection;
    boolean responseBytesRead;
    boolean staleRetried;

    /** A new request: nothing sent yet. */
    public Attempt begin(boolean safeMethod) {
        safe = safeMethod;
        replayable = true;
        requestBytesSent = false;
        responseStarted = false;
        sends = 0;
        nextCandidate = false;
        shadowCanAnswer = false;
        reusedConnection = false;
        responseBytesRead = false;
        staleRetried = false;
        return this;
    }

    /** A new try on {@code pooled} (or a new) connection: nothing of its response is read yet. */
    public Attempt newTry(boolean pooled) {
        requestBytesSent = false;
        responseStarted = false;
        reusedConnection = pooled;
        responseBytesRead = false;
        return this;
    }

    /** RFC 9110 §9.2.1: sending a safe request twice has no side effect. */
    public Attempt safe(boolean value) {
        safe = value;
        return this;
    }

    /** The whole request is still in the proxy's buffer, so it can be sent again. */
    public Attempt replayable(boolean value) {
        replayable = value;
        return this;
    }

    /** Some byte of this try's request reached the server's socket. */
    public Attempt requestBytesSent(boolean value) {
        requestBytesSent = value;
        return this;
    }

    /** Some byte of the response reached the client. */
    public Attempt responseStarted(boolean value) {
        responseStarted = value;
        return this;
    }

    /** How many tries have started sending so far, this one included. */
    public Attempt sends(int value) {
        sends = value;
        return this;
    }

    /** This try went out on a keep-alive connection from the pool, which the server may have closed. */
    public Attempt reusedConnection(boolean value) {
        reusedConnection = value;
        return this;
    }

    /** Some byte of this try's response arrived from the server. */
    public Attempt responseBytesRead(boolean value) {
        responseBytesRead = value;
        return this;
    }

    /** The one retry a stale pooled connection earns has been used. */
    public Attempt staleRetried(boolean value) {
        staleRetried = value;
        return this;
    }

    /** Another candidate server is left to try. */
    public Attempt nextCandidate(boolean value) {
        nextCandidate = value;
        return this;
    }

    /** CONCURRENT: the previous version was asked too and can still answer. */
    public Attempt shadowCanAnswer(boolean value) {
        shadowCanAnswer = value;
        return this;
    }

    public boolean isSafe() {
        return safe;
    }

    public boolean requestBytesSent() {
        return requestBytesSent;
    }

    public boolean responseStarted() {
        return responseStarted;
    }

    public int sends() {
        return sends;
    }

    @Override
    public String toString() {
        return "Attempt[safe=" + safe + " replayable=" + replayable + " sent=" + requestBytesSent + " started="
                + responseStarted + " sends=" + sends + " next=" + nextCandidate + " shadow=" + shadowCanAnswer
                + " reused=" + reusedConnection + " read=" + responseBytesRead + " staleRetried=" + staleRetried + "]";
    }
}
