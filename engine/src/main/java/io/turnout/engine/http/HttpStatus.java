package io.turnout.engine.http;

/**
 * Outcomes of parsing a head. Parsers never throw on bad input (STYLE: Jetty's HttpParser); they
 * return one of these codes and the caller maps it to a response.
 */
public final class HttpStatus {
    /** The head is not complete yet: read more. */
    public static final int NEED_MORE = 0;
    /** The head is complete and valid. */
    public static final int OK = 1;

    private HttpStatus() {
    }
}
