package io.turnout.engine.http;

/**
 * What parsing a complete head gives when it succeeds. Parsers never throw on bad input (STYLE:
 * Jetty's HttpParser): they return {@link #OK} or the HTTP status the caller answers with (400,
 * 431, 501, 502, 505), and the caller maps that to a response.
 */
public final class ParseResult {
    /** The head is complete and valid; every other result is an HTTP status. */
    public static final int OK = 1;

    private ParseResult() {
    }
}
