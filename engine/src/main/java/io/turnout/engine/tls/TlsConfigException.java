package io.turnout.engine.tls;

/**
 * A certificate, key or protocol list that cannot be served: one line naming the field and the
 * file, and what to do (STYLE). Unchecked like the other settings errors, so a bad start stops
 * with this line and a bad {@code POST /tls/reload} is answered 400 with it.
 */
public final class TlsConfigException extends IllegalArgumentException {
    private final String field;

    public TlsConfigException(String field, String message) {
        super(message);
        this.field = field;
    }

    public TlsConfigException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** The key under {@code proxy.tls}: {@code certificate}, {@code key} or {@code protocols}. */
    public String field() {
        return field;
    }
}
