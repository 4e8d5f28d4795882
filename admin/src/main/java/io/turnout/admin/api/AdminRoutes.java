package io.turnout.admin.api;

import io.turnout.engine.http.Ascii;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Method and path table of the admin API. A path that no route knows gets 404; a known path with
 * another method gets 405 with {@code Allow} (RFC 9110 §15.5.6). Each gets a one-line message.
 */
public final class AdminRoutes implements AdminHandler {

    /** One endpoint; {@code params} are the {@code {name}} segments of its pattern, in order. */
    @FunctionalInterface
    public interface Route {
        CompletableFuture<AdminResponse> handle(AdminRequest request, List<String> params);
    }

    private record Entry(String method, String pattern, String[] segments, Route route, boolean open) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /**
     * Adds a route. {@code pattern} is a path whose segments are literals or {@code {name}}, which
     * matches one non-empty segment. A trailing {@code /} is a distinct path: add both if both are
     * meant.
     */
    public AdminRoutes add(String method, String pattern, Route route) {
        entries.add(new Entry(method, pattern, pattern.split("/", -1), route, false));
        return this;
    }

    /** Adds a route that needs no token (see {@link AdminHandler#isPublic}). */
    public AdminRoutes addPublic(String method, String pattern, Route route) {
        entries.add(new Entry(method, pattern, pattern.split("/", -1), route, true));
        return this;
    }

    @Override
    public boolean isPublic(AdminRequest request) {
        String[] path = request.path().split("/", -1);
        for (Entry e : entries) {
            if (e.open() && e.method().equals(request.method()) && matches(e.segments(), path, new ArrayList<>(1))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<AdminResponse> handle(AdminRequest request) {
        String[] path = request.path().split("/", -1);
        List<String> params = new ArrayList<>(1);
        Set<String> allowed = new LinkedHashSet<>();
        for (Entry e : entries) {
            params.clear();
            if (!matches(e.segments(), path, params)) {
                continue;
            }
            if (e.method().equals(request.method())) {
                return e.route().handle(request, List.copyOf(params));
            }
            allowed.add(e.method());
        }
        if (!allowed.isEmpty()) {
            String allow = String.join(", ", allowed);
            return CompletableFuture.completedFuture(AdminResponse.error(405,
                            "method " + Ascii.printable(request.method()) + " is not allowed on "
                                    + Ascii.printable(request.path()) + "; use " + allow)
                    .withHeader("Allow", allow));
        }
        return CompletableFuture.completedFuture(AdminResponse.error(404,
                "no such path: " + Ascii.printable(request.path()) + "; the admin API serves "
                        + String.join(", ", knownPaths())));
    }

    private List<String> knownPaths() {
        Set<String> paths = new LinkedHashSet<>();
        for (Entry e : entries) {
            if (!e.pattern().endsWith("/") && !e.open()) {
                paths.add(e.pattern());
            }
        }
        return new ArrayList<>(paths);
    }

    private static boolean matches(String[] pattern, String[] path, List<String> params) {
        if (pattern.length != path.length) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (path[i].isEmpty()) {
                    return false;
                }
                params.add(path[i]);
            } else if (!p.equals(path[i])) {
                return false;
            }
        }
        return true;
    }
}
