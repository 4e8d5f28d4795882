package io.turnout.engine.testsupport;

/** How a message body is delimited on the wire (RFC 9112 §6). */
public enum BodyFraming {
    /** No body: HEAD responses, 1xx, 204, 304, or a request with neither CL nor TE. */
    NONE,
    CONTENT_LENGTH,
    CHUNKED,
    /** A response body that ends when the server closes the connection (RFC 9112 §6.3 rule 8). */
    CLOSE_DELIMITED
}
