package io.turnout.admin.api;

import io.turnout.admin.config.MalformedClusterBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every malformed cluster body of the config's table, PUT over HTTP: 400 naming the field, never 500, nothing changed. */
class MalformedPutTest {
    private static AdminFixture admin;

    @BeforeAll
    static void start() {
        admin = AdminFixture.start();
    }

    @AfterAll
    static void stop() {
        admin.close();
    }

    static List<MalformedClusterBodies.Row> rows() {
        return MalformedClusterBodies.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aMalformedBodyGets400NamingTheFieldAndLeavesTheSnapshotAlone(MalformedClusterBodies.Row row) {
        long generation = admin.writer.snapshot().generation();
        HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", row.body());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains(row.expected()), () -> "expected <" + row.expected() + "> in <" + r.body() + ">");
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        assertEquals(1, r.body().strip().lines().count(), "one line");
        assertEquals(generation, admin.writer.snapshot().generation());
        assertTrue(admin.writer.snapshot().isEmpty());
    }

    @Test
    void theTableIsLarge() {
        assertTrue(rows().size() >= 50, "at least 50 rows, got " + rows().size());
    }
}
