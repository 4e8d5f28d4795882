package io.turnout.admin.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log blocks of a Markdown document: fenced code blocks whose info string is
 * {@code log turnout:<scenario>/<step>}, optionally followed by {@code unordered}. Each block
 * holds the lines Turnout logs in that step, without their timestamps.
 */
public final class DocLogBlocks {
    private static final String FENCE = "```";
    private static final String INFO = "log turnout:";

    /** One step's lines; {@code unordered} when they come from more than one thread and their order is a race. */
    public record Block(List<String> lines, boolean unordered) {
    }

    private DocLogBlocks() {
    }

    /** The blocks by {@code scenario/step}, in document order. */
    public static Map<String, Block> read(Path markdown) {
        List<String> lines;
        try {
            lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Block> blocks = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith(FENCE + INFO)) {
                continue;
            }
            String[] info = line.substring(FENCE.length() + INFO.length()).split(" ");
            List<String> body = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).strip().equals(FENCE); i++) {
                if (!lines.get(i).isBlank()) {
                    body.add(lines.get(i));
                }
            }
            if (blocks.put(info[0], new Block(body, info.length > 1 && info[1].equals("unordered"))) != null) {
                throw new IllegalStateException(markdown + ": two blocks for " + info[0]);
            }
        }
        return blocks;
    }

    /** The document, found from the working directory up (Maven runs a module's tests in the module). */
    public static Path locate(String relative) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve(relative))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve(relative);
    }
}
