package io.turnout.admin.api;

import io.turnout.admin.config.ConfigServiceSpec;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the admin API listens and what it accepts (the {@code configService} block of SPEC §1).
 *
 * @param hostname     address to bind; SPEC §1 default {@code 127.0.0.1}
 * @param port         0 picks a free port (tests); see {@link AdminServer#port()}
 * @param token        when non-empty, every request needs {@code Authorization: Bearer <token>}
 * @param maxHeadBytes request line plus headers; larger heads get 431
 * @param maxBodyBytes larger {@code Content-Length} gets 413 before any body byte is read (SPEC §4)
 * @param headTimeout  a request head (or body) that is not complete by then closes the connection
 * @param idleTimeout  an idle keep-alive connection is closed after this
 */
public record AdminSettings(
        String hostname,
        int port,
        String token,
        int maxHeadBytes,
        int maxBodyBytes,
        Duration headTimeout,
        Duration idleTimeout) {

    public static final String DEFAULT_HOSTNAME = "127.0.0.1";
    public static final int DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    public AdminSettings {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(headTimeout, "headTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("configService.port must be 0-65535, was " + port);
        }
        if (maxHeadBytes < 256 || maxBodyBytes < 0) {
            throw new IllegalArgumentException("admin limits too small: head " + maxHeadBytes + ", body " + maxBodyBytes);
        }
        token = token == null || token.isEmpty() ? null : token;
    }

    /** SPEC defaults for everything but the address and the token ({@code null} for none). */
    public static AdminSettings of(String hostname, int port, String token) {
        return new AdminSettings(hostname == null ? DEFAULT_HOSTNAME : hostname, port, token,
                DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    /** From the config file's {@code configService} block. */
    public static AdminSettings of(ConfigServiceSpec configService) {
        return of(configService.hostname(), configService.port(), configService.token());
    }

    public boolean requiresToken() {
        return token != null;
    }

    public AdminSettings withTimeouts(Duration head, Duration idle) {
        return new AdminSettings(hostname, port, token, maxHeadBytes, maxBodyBytes, head, idle);
    }

    @Override
    public String toString() {
        // Never print the token itself: settings are logged at start.
        return "AdminSettings[" + hostname + ":" + port + (token != null ? ", token set" : "")
                + ", maxHeadBytes=" + maxHeadBytes + ", maxBodyBytes=" + maxBodyBytes + "]";
    }
}
