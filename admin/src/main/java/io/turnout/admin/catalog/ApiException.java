package io.turnout.admin.catalog;

/**
 * A request refused for a reason the user can fix; the message is sent as the response body.
 * Thrown (or completed exceptionally) anywhere in a handler's pipeline.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
