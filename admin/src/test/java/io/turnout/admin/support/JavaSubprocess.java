package io.turnout.admin.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this module in a fresh JVM with the test class path, for behaviour that
 * only a real process shows: exit codes, what reaches stderr, signals, and logging (tinylog's
 * configuration is global and frozen once used, so it cannot be tested in the test JVM).
 */
public final class JavaSubprocess {
    /** What a finished process left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> stderrLines() {
            return lines(stderr);
        }

        public List<String> stdoutLines() {
            return lines(stdout);
        }

        private static List<String> lines(String s) {
            return s.isEmpty() ? List.of() : Arrays.asList(s.split("\\R"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private JavaSubprocess() {
    }

    /** Starts {@code main} with {@code args}; stdout and stderr are pipes the caller reads. */
    public static Process start(Class<?> main, Path workingDir, String... args) throws IOException {
        return builder(main, args).directory(workingDir == null ? null : workingDir.toFile()).start();
    }

    /** Runs {@code main} to completion, failing if it takes longer than {@code timeout}. */
    public static Result run(Duration timeout, Path workingDir, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("turnout-test", ".out");
        Path err = Files.createTempFile("turnout-test", ".err");
        try {
            ProcessBuilder pb = builder(main, args).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (workingDir != null) {
                pb.directory(workingDir.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(main.getSimpleName() + " " + String.join(" ", args) + " did not exit within "
                        + timeout);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static ProcessBuilder builder(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Start fast: these processes live for well under a second.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Xshare:auto");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}
