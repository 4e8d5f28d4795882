package io.turnout.admin.docker;

/**
 * A Docker operation failed. The message is what the admin API puts in its 502 body, so it is
 * Docker's own {@code message} when Docker gave one (SPEC §6: "answers 502 with Docker's
 * message"), prefixed with what we were doing.
 */
public final class DockerException extends Exception {
    private static final long serialVersionUID = 1L;

    /** No HTTP status: Docker was unreachable, timed out or spoke broken HTTP. */
    public static final int NO_STATUS = 0;

    private final int status;
    private final String dockerMessage;

    public DockerException(int status, String dockerMessage, String message) {
        super(message);
        this.status = status;
        this.dockerMessage = dockerMessage;
    }

    public DockerException(String message, Throwable cause) {
        super(message, cause);
        this.status = NO_STATUS;
        this.dockerMessage = null;
    }

    /** The HTTP status Docker answered with, or {@link #NO_STATUS}. */
    public int status() {
        return status;
    }

    /** Docker's {@code message} field (or error line of a pull stream), or null. */
    public String dockerMessage() {
        return dockerMessage;
    }
}
