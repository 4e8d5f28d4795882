package io.turnout.admin.api;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One complete admin request: its head and its whole body (the admin API only accepts
 * Content-Length bodies, capped by {@link AdminSettings#maxBodyBytes()}).
 *
 * @param method  as sent, case-sensitive (RFC 9110 §9.1)
 * @param path    the request target up to {@code ?}, not decoded
 * @param query   what follows {@code ?}, or {@code null}
 * @param headers lower-case names; repeated fields joined with {@code ", "} (RFC 9110 §5.3)
 */
public record AdminRequest(String method, String path, String query, Map<String, String> headers, byte[] body) {

    public AdminRequest {
        headers = Map.copyOf(headers);
    }

    /** A header value by case-insensitive name, or {@code null}. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** This request with {@code body}, once the connection has read it. */
    AdminRequest withBody(byte[] body) {
        return new AdminRequest(method, path, query, headers, body);
    }

    /**
     * Whether the client asked for {@code text/plain} first in {@code Accept} ({@code turnoutctl}'s
     * tables); anything else, no Accept included, gets the JSON that SPEC §4 gives.
     */
    public boolean prefersText() {
        String accept = header("accept");
        if (accept == null) {
            return false;
        }
        int comma = accept.indexOf(',');
        String first = (comma < 0 ? accept : accept.substring(0, comma)).trim();
        return first.regionMatches(true, 0, "text/plain", 0, "text/plain".length());
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + " " + path + (query != null ? "?" + query : "") + " (" + body.length + " body bytes)";
    }
}
