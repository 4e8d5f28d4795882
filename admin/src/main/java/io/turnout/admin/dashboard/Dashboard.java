package io.turnout.admin.dashboard;

import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.settings.RollbackPolicy;
import org.tinylog.Logger;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The live view of SPEC §13 behind {@code GET /stats}, the page and {@code turnoutctl}'s tables:
 * the current snapshot, the proxy's event log, and a {@link TrafficSampler} fed once a second by a
 * thread of its own (off the data path, and off the admin loop, whose handlers must not wait).
 */
public final class Dashboard implements AutoCloseable {
    private final Supplier<ClusterSnapshot> snapshots;
    private final EventLog events;
    private final Function<Cluster, RollbackPolicy> policies;
    private final TrafficSampler sampler;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    /** Only the timer thread reads and writes it. */
    private boolean failureLogged;

    /**
     * @param timer samples once a second when given; {@code null} leaves sampling to whoever holds
     *              {@link #sampler()} (tests, which step a clock of their own)
     */
    Dashboard(Supplier<ClusterSnapshot> snapshots, EventLog events, Function<Cluster, RollbackPolicy> policies,
              Clock clock, ScheduledExecutorService timer) {
        this.snapshots = snapshots;
        this.events = events;
        this.policies = policies;
        this.clock = clock;
        this.sampler = new TrafficSampler(snapshots, clock::millis);
        this.timer = timer;
        if (timer != null) {
            timer.scheduleAtFixedRate(this::sampleOrLog, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** A periodic task that throws is never run again: log it once and keep the next seconds. */
    private void sampleOrLog() {
        try {
            sampler.sample();
        } catch (RuntimeException e) {
            if (!failureLogged) {
                failureLogged = true;
                Logger.error(e, "Sampling the counters for /stats failed; the dashboard's figures may lag");
            }
        }
    }

    /** Samples the counters every second from now on, until {@link #close()}. */
    public static Dashboard start(Supplier<ClusterSnapshot> snapshots, EventLog events,
                                  Function<Cluster, RollbackPolicy> policies) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-stats-sampler");
            t.setDaemon(true);
            return t;
        });
        return new Dashboard(snapshots, events, policies, Clock.systemUTC(), timer);
    }

    /** A dashboard that samples only when told to, on {@code clock}'s time: for tests. */
    public static Dashboard manual(Supplier<ClusterSnapshot> snapshots, EventLog events,
                                   Function<Cluster, RollbackPolicy> policies, Clock clock) {
        return new Dashboard(snapshots, events, policies, clock, null);
    }

    public TrafficSampler sampler() {
        return sampler;
    }

    /** What {@code /stats} shows now: the live versions, the samples so far, the recent events. */
    public Stats stats() {
        return Stats.of(snapshots.get(), sampler.samples(), events.snapshot(), policies, clock.instant());
    }

    public EventLog events() {
        return events;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
