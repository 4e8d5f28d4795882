package io.turnout.admin.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The page of SPEC §13: one HTML file, its style sheet and its script, kept as plain files in the
 * jar next to this class (no build step, no framework) and read once at start.
 */
public final class DashboardAssets {
    /** One file of the page, served at {@code path}. */
    public record Asset(String path, String contentType, byte[] body) {
    }

    private DashboardAssets() {
    }

    /** The page at {@code /}, then {@code /dashboard.css} and {@code /dashboard.js}. */
    public static List<Asset> load() {
        return List.of(
                new Asset("/", "text/html; charset=utf-8", read("index.html")),
                new Asset("/dashboard.css", "text/css; charset=utf-8", read("dashboard.css")),
                new Asset("/dashboard.js", "text/javascript; charset=utf-8", read("dashboard.js")));
    }

    private static byte[] read(String name) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks the dashboard's " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the dashboard's " + name + " from the jar", e);
        }
    }
}
