package io.turnout.admin.takeover;

/** A takeover that cannot go on: one line, saying what to do. The running Turnout keeps serving. */
public final class TakeoverFailure extends RuntimeException {
    public TakeoverFailure(String message) {
        super(message, null, false, false);
    }

    public TakeoverFailure(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
