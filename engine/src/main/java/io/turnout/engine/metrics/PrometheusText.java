package io.turnout.engine.metrics;

import io.turnout.engine.counters.ClusterMetrics;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;

import java.util.Locale;
import java.util.Map;

/**
 * Renders {@code /metrics} in the Prometheus text exposition format (version 0.0.4): a HELP and a
 * TYPE line per family, samples labelled by cluster version. Runs on scrape, off the data path.
 */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** What the selector loops hold right now, summed over the loops. */
    public record Gauges(int openClients, int openUpstreams, int buffersInUse, int buffersAllocated,
                         long bufferPoolExhaustions) {
    }

    /**
     * The TLS listener's figures (SPEC §12). The expiry is a timestamp, not a countdown (Prometheus'
     * advice for "time until": export when it happens and subtract {@code time()} in the query).
     *
     * @param certificateExpiry the notAfter of the certificate in force, in Unix seconds
     */
    public record Tls(long handshakes, long handshakeFailures, long certificateExpiry) {
    }

    /** @param tls {@code null} when the proxy speaks plain HTTP: no TLS family is written */
    public static String render(ClusterSnapshot snapshot, Map<String, Long> rollbacksByVersion, Gauges gauges, Tls tls) {
        StringBuilder out = new StringBuilder(4096);
        family(out, "turnout_requests_total", "counter", "Requests answered by each version.");
        for (Cluster c : snapshot.clusters()) {
            sample(out, "turnout_requests_total", labels(c), c.state().metrics().requests());
        }
        family(out, "turnout_responses_total", "counter", "Responses relayed, by version and status class.");
        for (Cluster c : snapshot.clusters()) {
            for (int statusClass = 1; statusClass <= 5; statusClass++) {
                sample(out, "turnout_responses_total", labels(c) + ",class=\"" + statusClass + "xx\"",
                        c.state().metrics().responses(statusClass));
            }
        }
        family(out, "turnout_upstream_failures_total", "counter",
                "Connect failures, resets, timeouts and 5xx answers from each version's servers.");
        for (Cluster c : snapshot.clusters()) {
            sample(out, "turnout_upstream_failures_total", labels(c), c.state().metrics().upstreamFailures());
        }
        family(out, "turnout_retries_total", "counter", "Requests sent again after a failure of this version.");
        for (Cluster c : snapshot.clusters()) {
            sample(out, "turnout_retries_total", labels(c), c.state().metrics().retries());
        }
        family(out, "turnout_divergences_total", "counter",
                "CONCURRENT responses whose status, Content-Type or body differed from the previous version's.");
        for (Cluster c : snapshot.clusters()) {
            sample(out, "turnout_divergences_total", labels(c), c.state().divergences());
        }
        family(out, "turnout_rollbacks_total", "counter", "Automatic rollbacks, by the version rolled back.");
        for (Map.Entry<String, Long> e : rollbacksByVersion.entrySet()) {
            sample(out, "turnout_rollbacks_total", "version=\"" + escape(e.getKey()) + "\"", e.getValue());
        }
        family(out, "turnout_response_latency_seconds", "histogram",
                "Time from a request head to its response head, by version.");
        for (Cluster c : snapshot.clusters()) {
            ClusterMetrics m = c.state().metrics();
            long[] cumulative = m.latencyCumulative();
            for (int i = 0; i < ClusterMetrics.LATENCY_BUCKETS.length; i++) {
                sample(out, "turnout_response_latency_seconds_bucket",
                        labels(c) + ",le=\"" + number(ClusterMetrics.LATENCY_BUCKETS[i]) + "\"", cumulative[i]);
            }
            long count = cumulative[cumulative.length - 1];
            sample(out, "turnout_response_latency_seconds_bucket", labels(c) + ",le=\"+Inf\"", count);
            out.append("turnout_response_latency_seconds_sum{").append(labels(c)).append("} ")
                    .append(number(m.latencySumSeconds())).append('\n');
            sample(out, "turnout_response_latency_seconds_count", labels(c), count);
        }
        family(out, "turnout_open_client_connections", "gauge", "Client connections open now.");
        out.append("turnout_open_client_connections ").append(gauges.openClients()).append('\n');
        family(out, "turnout_open_upstream_connections", "gauge", "Upstream connections open now, pooled included.");
        out.append("turnout_open_upstream_connections ").append(gauges.openUpstreams()).append('\n');
        family(out, "turnout_buffers_in_use", "gauge", "Pooled direct buffers holding bytes now.");
        out.append("turnout_buffers_in_use ").append(gauges.buffersInUse()).append('\n');
        family(out, "turnout_buffers_allocated", "gauge", "Direct buffers the pools have allocated (they are kept).");
        out.append("turnout_buffers_allocated ").append(gauges.buffersAllocated()).append('\n');
        family(out, "turnout_buffer_pool_exhausted_total", "counter",
                "Times a pool had no buffer free: the connection waited instead of allocating past the bound.");
        out.append("turnout_buffer_pool_exhausted_total ").append(gauges.bufferPoolExhaustions()).append('\n');
        if (tls != null) {
            family(out, "turnout_tls_handshakes_total", "counter", "TLS handshakes completed with clients.");
            out.append("turnout_tls_handshakes_total ").append(tls.handshakes()).append('\n');
            family(out, "turnout_tls_handshake_failures_total", "counter",
                    "TLS handshakes that ended in an alert, a timeout or a close before they completed.");
            out.append("turnout_tls_handshake_failures_total ").append(tls.handshakeFailures()).append('\n');
            family(out, "turnout_tls_certificate_expiry_seconds", "gauge",
                    "When the certificate in force expires (its notAfter), in Unix seconds; subtract time() for the time left.");
            out.append("turnout_tls_certificate_expiry_seconds ").append(tls.certificateExpiry()).append('\n');
        }
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static String labels(Cluster c) {
        return "version=\"" + escape(c.version()) + "\",cluster=\"" + c.uuid() + "\"";
    }

    /** Label values escape backslash, double quote and newline. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%s", value);
    }
}
