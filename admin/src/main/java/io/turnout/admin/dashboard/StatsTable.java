package io.turnout.admin.dashboard;

import io.turnout.engine.health.Event;
import io.turnout.engine.route.TransitionMode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The terminal's view of {@code /stats} and {@code /events}: what {@code turnoutctl list},
 * {@code status}, {@code watch} and {@code events} print by default. A figure with nothing to go
 * on is {@code -}.
 */
public final class StatsTable {
    private StatsTable() {
    }

    /** VERSION, MODE, SERVERS (ejected marked), SHARE, REQ/S, FAILED, P99, COUNTER, UUID; newest first. */
    public static String versions(Stats stats) {
        if (stats.versions().isEmpty()) {
            return "no versions; add one with: turnoutctl add --version V --server HOST:PORT\n";
        }
        TextTable table = new TextTable("VERSION", "MODE", "SERVERS", "SHARE", "REQ/S", "FAILED", "P99", "COUNTER", "UUID");
        for (VersionStats v : stats.versions()) {
            table.row(v.version(), v.mode().name(), servers(v), percent(v.share()),
                    String.format(Locale.ROOT, "%.1f", v.requestsPerSecond()), percentOneDecimal(v.failureRate()),
                    millis(v.p99Millis()),
                    v.mode() == TransitionMode.GRADUAL ? percent(v.transitionCounter() / 100) : "-", v.uuid());
        }
        return table.render();
    }

    /** TIME (UTC, to the second), TYPE, VERSION, SERVER, REASON; newest first. */
    public static String events(List<Event> events) {
        if (events.isEmpty()) {
            return "no events yet\n";
        }
        TextTable table = new TextTable("TIME", "TYPE", "VERSION", "SERVER", "REASON");
        for (Event e : events) {
            table.row(time(e.time()), e.type().name(), orDash(e.version()), orDash(e.server()), orDash(e.reason()));
        }
        return table.render();
    }

    static String time(Instant time) {
        return time.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String servers(VersionStats v) {
        StringJoiner joined = new StringJoiner(", ");
        for (VersionStats.ServerState s : v.servers()) {
            joined.add(s.ejected() ? s.address() + " (ejected)" : s.address());
        }
        String text = joined.toString();
        return text.isEmpty() ? "-" : text;
    }

    /** Whole percents; a share that is there but rounds to nothing says so. */
    static String percent(double fraction) {
        if (Double.isNaN(fraction)) {
            return "-";
        }
        if (fraction > 0 && fraction < 0.005) {
            return "<1%";
        }
        return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    private static String percentOneDecimal(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    private static String millis(double millis) {
        if (Double.isNaN(millis)) {
            return "-";
        }
        return String.format(Locale.ROOT, millis < 10 ? "%.1fms" : "%.0fms", millis);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
