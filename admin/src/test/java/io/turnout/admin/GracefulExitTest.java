package io.turnout.admin;

import io.turnout.admin.support.JavaSubprocess;
import io.turnout.admin.support.JavaSubprocess.Result;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GracefulExitTest {

    @Test
    void sigtermRunsTheStopActionFlushesTheLogAndExitsZero() throws Exception {
        Process p = JavaSubprocess.start(GracefulExitProbe.class, null);
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("read failed: " + e);
                }
            });
            reader.start();
            assertEquals("ready", lines.poll(10, TimeUnit.SECONDS));
            // SIGTERM. Through the handle: Process.destroy() would also close our end of the pipes.
            assertTrue(p.toHandle().destroy());
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "did not exit after SIGTERM");
            assertEquals(0, p.exitValue(), "a graceful stop exits 0, not 143");
            assertEquals("draining", lines.poll(10, TimeUnit.SECONDS));
            assertEquals("drained", lines.poll(10, TimeUnit.SECONDS));
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(err.contains("WARNING - drained"), "log written before exit: " + err);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anExitTurnoutAsksForKeepsItsStatusAndStillStops() throws Exception {
        Result r = JavaSubprocess.run(Duration.ofSeconds(10), null, GracefulExitProbe.class, "3");
        assertEquals(3, r.exitCode(), r::toString);
        assertEquals(java.util.List.of("ready", "draining", "drained"), r.stdoutLines());
    }
}
