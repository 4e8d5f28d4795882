package io.turnout.admin.config;

import java.util.Objects;

/**
 * The {@code configService} block: where the admin REST API listens, and its optional bearer
 * token (SPEC §4: without {@code Authorization: Bearer <token>} a request gets 401).
 *
 * @param token the secret, or {@code null} for no authentication
 */
public record ConfigServiceSpec(String hostname, int port, String token) {
    /** The admin API is for this machine unless the config says otherwise. */
    public static final String DEFAULT_HOSTNAME = "127.0.0.1";

    public ConfigServiceSpec {
        Objects.requireNonNull(hostname, "hostname");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
    }

    public boolean requiresToken() {
        return token != null;
    }

    /** Never shows the token, so the spec can be logged. */
    @Override
    public String toString() {
        return "ConfigServiceSpec[hostname=" + hostname + ", port=" + port + ", token=" + (token == null ? "none" : "***")
                + "]";
    }
}
