package io.turnout.admin.docker;

import java.util.Map;

/**
 * The status line and headers of one Docker response. Header names are lower case; a header
 * that came several times is joined with {@code ", "} (RFC 9110 §5.3).
 */
record ResponseHead(int status, String reason, Map<String, String> headers) {
    String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
