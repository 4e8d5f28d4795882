package io.turnout.admin.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One admin response. Errors are a single line of {@code text/plain}, so {@code curl} and
 * {@code turnoutctl} can print them as they are; JSON answers use {@code application/json}
 * (SPEC §4).
 *
 * @param contentType {@code null} when there is no body
 * @param headers     extra header fields, in order (for example {@code Allow}, {@code WWW-Authenticate})
 */
public record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    public AdminResponse {
        Objects.requireNonNull(body, "body");
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public static AdminResponse json(int status, String json) {
        return new AdminResponse(status, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static AdminResponse text(int status, String text) {
        return new AdminResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A one-line message for the user; a newline is added so terminals show it cleanly. */
    public static AdminResponse error(int status, String message) {
        return text(status, message.endsWith("\n") ? message : message + "\n");
    }

    public static AdminResponse empty(int status) {
        return new AdminResponse(status, null, new byte[0], Map.of());
    }

    public AdminResponse withHeader(String name, String value) {
        Map<String, String> next = new LinkedHashMap<>(headers);
        next.put(name, value);
        return new AdminResponse(status, contentType, body, next);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The reason phrase for the status line; clients ignore it (RFC 9112 §4). */
    public static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }
}
