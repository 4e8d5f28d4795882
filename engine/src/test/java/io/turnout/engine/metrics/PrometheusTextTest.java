package io.turnout.engine.metrics;

import io.turnout.engine.counters.ClusterMetrics;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class PrometheusTextTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)})? (-?[0-9.eE+-]+|\\+Inf|NaN)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)");

    @Test
    void metricsArePrometheusTextAndCountWhatWasSent() {
        try (TestBackend backend = TestBackend.start("v1", request ->
                request.target().equals("/missing") ? Reply.status(404) : Reply.ok("ok"));
             RunningProxy proxy = RunningProxy.start()) {
            Cluster cluster = proxy.addCluster("1.0", backend);
            for (int i = 0; i < 7; i++) {
                assertEquals(200, RawHttpClient.get(proxy.port(), "/").status());
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(404, RawHttpClient.get(proxy.port(), "/missing").status());
            }
            String text = proxy.engine().metricsText();

            Map<String, String> types = new HashMap<>();
            Map<String, Double> samples = new HashMap<>();
            Set<String> helped = new HashSet<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# HELP ")) {
                    helped.add(line.split(" ")[2]);
                } else if (line.startsWith("# TYPE ")) {
                    Matcher m = TYPE.matcher(line);
                    assertTrue(m.matches(), "bad TYPE line: " + line);
                    assertTrue(helped.contains(m.group(1)), "HELP before TYPE for " + m.group(1));
                    types.put(m.group(1), m.group(2));
                } else {
                    Matcher m = SAMPLE.matcher(line);
                    assertTrue(m.matches(), "bad sample line: " + line);
                    String family = m.group(1).replaceAll("_(bucket|sum|count)$", "");
                    if (!types.containsKey(family) && !types.containsKey(m.group(1))) {
                        fail("sample before its TYPE line: " + line);
                    }
                    samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(4)));
                }
            }
            String labels = "{version=\"1.0\",cluster=\"" + cluster.uuid() + "\"";
            assertEquals(10.0, samples.get("turnout_requests_total" + labels + "}"));
            assertEquals(7.0, samples.get("turnout_responses_total" + labels + ",class=\"2xx\"}"));
            assertEquals(3.0, samples.get("turnout_responses_total" + labels + ",class=\"4xx\"}"));
            assertEquals(0.0, samples.get("turnout_responses_total" + labels + ",class=\"5xx\"}"));
            assertEquals("histogram", types.get("turnout_response_latency_seconds"));
            double previous = 0;
            for (double le : ClusterMetrics.LATENCY_BUCKETS) {
                Double bucket = samples.get("turnout_response_latency_seconds_bucket" + labels + ",le=\"" + le + "\"}");
                assertTrue(bucket != null && bucket >= previous, "buckets are cumulative at le=" + le);
                previous = bucket;
            }
            assertEquals(10.0, samples.get("turnout_response_latency_seconds_bucket" + labels + ",le=\"+Inf\"}"));
            assertEquals(10.0, samples.get("turnout_response_latency_seconds_count" + labels + "}"));
            assertTrue(samples.containsKey("turnout_open_client_connections"));
            assertEquals(0.0, samples.get("turnout_buffer_pool_exhausted_total"));
            assertTrue(samples.get("turnout_buffers_allocated") >= 1, "the requests went through pooled buffers");
            assertTrue(samples.get("turnout_buffers_in_use") <= samples.get("turnout_buffers_allocated"));
        }
    }
}
