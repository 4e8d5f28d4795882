package io.turnout.admin.api;

import java.util.Map;

/**
 * A parsed and framed request head.
 *
 * @param contentLength body bytes that follow the head (0 when there is no Content-Length)
 * @param keepAlive     whether the connection may carry another request after this one
 * @param expectContinue the client waits for {@code 100 Continue} before sending the body
 */
record RequestHead(String method, String path, String query, Map<String, String> headers,
                   long contentLength, boolean keepAlive, boolean expectContinue) {
}
