package io.turnout.admin.state;

/**
 * The state file cannot be used. The message is one line that names the file and says what to
 * do; the launcher prints it and exits 1 rather than start without the clusters (SPEC §5).
 */
public final class StateFileException extends RuntimeException {
    public StateFileException(String message) {
        super(message, null, false, false);
    }
}
