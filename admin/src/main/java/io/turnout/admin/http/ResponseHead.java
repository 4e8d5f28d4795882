package io.turnout.admin.http;

import java.util.Map;

/**
 * The status line and headers of one response. Header names are lower case; a header that came
 * several times is joined with {@code ", "} (RFC 9110 §5.3).
 */
public record ResponseHead(int status, String reason, Map<String, String> headers) {
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
