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
}
