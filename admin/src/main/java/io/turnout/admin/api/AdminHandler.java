package io.turnout.admin.api;

import java.util.concurrent.CompletableFuture;

/**
 * Answers admin requests. Called on the admin selector thread, so it must not block: slow work
 * (the snapshot writer, a Docker container start) returns an incomplete future, and the server
 * writes the response when it completes, in request order.
 */
@FunctionalInterface
public interface AdminHandler {
    CompletableFuture<AdminResponse> handle(AdminRequest request);

    /**
     * Whether {@code request} is answered without the bearer token. Only what holds no data may
     * be: the dashboard page, which a browser loads before it can be given the token (SPEC §13).
     */
    default boolean isPublic(AdminRequest request) {
        return false;
    }
}
