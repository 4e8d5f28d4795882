package io.turnout.engine.retry;

/** The ways one try of a request can fail (SPEC §3 failure signals, plus the proxy's own). */
public enum Failure {
    /** The server refused the connection, or it failed while being opened. */
    CONNECT_REFUSED,
    /** No connection within {@code connectTimeout}. */
    CONNECT_TIMEOUT,
    /** Reset or EOF before a complete response head (or, for a held head, before its body ended). */
    RESET,
    /** No response head within {@code responseTimeout}. */
    RESPONSE_TIMEOUT,
    /** A 5xx response head. */
    SERVER_ERROR,
    /** A response the proxy cannot relay safely: malformed, too large, or a 101 nobody asked for. */
    BAD_RESPONSE,
    /** The proxy ran out of buffers: not the server's fault. */
    NO_BUFFER;

    public boolean isConnect() {
        return this == CONNECT_REFUSED || this == CONNECT_TIMEOUT;
    }
}
