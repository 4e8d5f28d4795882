package io.turnout.admin.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a browser test saves the pictures the README shows: the directory named by
 * {@code TURNOUT_SCREENSHOTS} (or {@code -Dturnout.screenshots}), relative to the repository's
 * root, for example {@code TURNOUT_SCREENSHOTS=docs}. Unset, no picture is taken.
 */
public final class Screenshots {
    private Screenshots() {
    }

    public static Optional<Path> directory() {
        String dir = System.getProperty("turnout.screenshots", System.getenv("TURNOUT_SCREENSHOTS"));
        if (dir == null || dir.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(dir);
        return Optional.of(path.isAbsolute() ? path : repositoryRoot().resolve(path));
    }

    public static boolean requested() {
        return directory().isPresent();
    }

    /** Takes {@code name}-desktop.png at 1280 × 800 and {@code name}-phone.png at 390 × 844, then restores the desktop size. */
    public static void take(BrowserPage page, String name) {
        Optional<Path> dir = directory();
        if (dir.isEmpty()) {
            return;
        }
        page.viewport(390, 844, true);
        page.screenshot(dir.get().resolve(name + "-phone.png"));
        page.viewport(1280, 800, false);
        page.screenshot(dir.get().resolve(name + "-desktop.png"));
    }

    /** The directory above the working directory that holds {@code scripts/} (Maven runs tests in {@code admin/}). */
    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("scripts"))) {
            p = p.getParent();
        }
        return p != null ? p : Path.of("").toAbsolutePath();
    }
}
