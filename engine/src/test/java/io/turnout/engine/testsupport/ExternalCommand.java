package io.turnout.engine.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A third-party command-line client ({@code curl}, {@code openssl s_client}) run as a child process
 * with its standard input given and its output (stdout and stderr together) captured, bounded by a
 * deadline. Tools that are not installed are found out with {@link #onPath} so tests can skip with
 * an assumption that names the package to install.
 */
public final class ExternalCommand {

    /** How the command ended: its exit code (-1 when it was killed at the deadline) and what it printed. */
    public record Result(List<String> command, int exitCode, boolean timedOut, String output) {
        @Override
        public String toString() {
            return String.join(" ", command) + " -> " + (timedOut ? "killed at the deadline" : "exit " + exitCode)
                    + "\n" + output;
        }
    }

    private ExternalCommand() {
    }

    /** The executable {@code name} on {@code PATH}, or null. */
    public static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Runs {@code command} with nothing on standard input. */
    public static Result run(Duration deadline, String... command) {
        return run(new byte[0], deadline, command);
    }

    /**
     * Runs {@code command}, writes {@code stdin} to it and leaves its input open until it exits (an
     * {@code openssl s_client} whose input ends would close the connection before the answer came),
     * and waits up to {@code deadline}; a command still running then is killed.
     */
    public static Result run(byte[] stdin, Duration deadline, String... command) {
        Path output;
        try {
            output = Files.createTempFile("turnout-command", ".out");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try {
                process.getOutputStream().write(stdin);
                process.getOutputStream().flush();
            } catch (IOException e) {
                // the command exited before reading its input; its output says why
            }
            boolean exited = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            closeQuietly(process);
            return new Result(List.of(command), exited ? process.exitValue() : -1, !exited,
                    Files.readString(output, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    private static void closeQuietly(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // the pipe is already gone with the process
        }
    }
}
