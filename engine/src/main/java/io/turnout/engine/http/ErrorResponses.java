package io.turnout.engine.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The responses the proxy itself sends. Each has a short text body saying what happened and
 * closes the connection: after an error the proxy cannot trust where the next request starts.
 */
public final class ErrorResponses {
    private static final ByteBuffer[] BY_STATUS = new ByteBuffer[600];

    static {
        define(400, "Bad Request", "Bad request: the request is malformed or its framing is ambiguous.");
        define(405, "Method Not Allowed", "Method not allowed: this proxy does not open CONNECT tunnels.");
        define(408, "Request Timeout", "Request timeout: the request head did not arrive in time.");
        define(414, "URI Too Long", "URI too long: the request line exceeds the proxy's head limit.");
        define(431, "Request Header Fields Too Large", "Request header fields too large.");
        define(501, "Not Implemented", "Not implemented: only the chunked transfer coding is supported.");
        define(502, "Bad Gateway", "Bad gateway: no upstream server gave a valid response.");
        define(503, "Service Unavailable", "Service unavailable: no cluster is configured, or the proxy is overloaded.");
        define(504, "Gateway Timeout", "Gateway timeout: the upstream server did not answer in time.");
        define(505, "HTTP Version Not Supported", "HTTP version not supported: use HTTP/1.1 or HTTP/1.0.");
    }

    private ErrorResponses() {
    }

    private static void define(int status, String reason, String message) {
        byte[] body = (message + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer response = ByteBuffer.allocateDirect(head.length + body.length);
        response.put(head).put(body).flip();
        BY_STATUS[status] = response.asReadOnlyBuffer();
    }

    /** A fresh view of the canned response for {@code status} (502 for an unknown status). */
    public static ByteBuffer forStatus(int status) {
        ByteBuffer response = status >= 0 && status < BY_STATUS.length ? BY_STATUS[status] : null;
        return (response != null ? response : BY_STATUS[502]).duplicate();
    }
}
