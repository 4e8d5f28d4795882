package io.turnout.admin.takeover;

import io.turnout.admin.config.LevelTags;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.state.StateFile;
import io.turnout.engine.route.Cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The running Turnout's side of a takeover (SPEC §11). {@link #begin} freezes admin changes, so
 * the state it hands over stays the state, and answers it; {@link #commit} ends this process once
 * the new one accepts. A new process that dies before committing leaves the freeze to lapse
 * after the hold it asked for, and this process goes on as before: nothing is lost.
 */
public final class Handover {
    /** How long a freeze lasts when the new process does not say. */
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(10);
    static final Duration MAX_HOLD = Duration.ofSeconds(60);

    private final ClusterCatalog catalog;
    private final IntSupplier proxyPort;
    private final Path stateFile;
    private final Runnable handOverAndExit;
    /** {@code System.nanoTime()} at which a freeze lapses; 0 when nothing is frozen. */
    private final AtomicLong frozenUntil = new AtomicLong();
    private volatile boolean committed;

    /**
     * @param handOverAndExit stops this process without touching what the new one now owns (its
     *                        containers, its state file), and exits 0 after the drain; called on
     *                        the admin thread, it must not block it
     */
    public Handover(ClusterCatalog catalog, IntSupplier proxyPort, Path stateFile, Runnable handOverAndExit) {
        this.catalog = catalog;
        this.proxyPort = proxyPort;
        this.stateFile = stateFile;
        this.handOverAndExit = handOverAndExit;
    }

    /** While true, PUT and DELETE are refused (503, Retry-After), never lost. */
    public boolean frozen() {
        long until = frozenUntil.get();
        return committed || (until != 0 && System.nanoTime() - until < 0);
    }

    /**
     * Freezes admin changes for at most {@code hold} and returns the complete state as JSON.
     *
     * @throws IllegalStateException when this process has already handed over
     */
    public String begin(Duration hold) {
        if (committed) {
            throw new IllegalStateException("this Turnout has already handed over and is draining");
        }
        Duration bounded = hold.compareTo(MAX_HOLD) > 0 ? MAX_HOLD : hold;
        frozenUntil.set(System.nanoTime() + bounded.toNanos());
        LevelTags.notice("Handing over to a new Turnout: admin changes are frozen for at most {} s", bounded.toSeconds());
        Map<String, Long> gradual = new HashMap<>();
        for (Cluster c : catalog.snapshot().clusters()) {
            long routed = c.state().gradualRouted();
            if (routed > 0) {
                gradual.put(c.uuid(), routed);
            }
        }
        return HandoverState.toJson(proxyPort.getAsInt(), stateFile,
                StateFile.toJson(catalog.snapshot(), catalog::containersOf), gradual);
    }

    /**
     * The new process accepts: this one stops accepting, drains and exits. Returns false when no
     * hand-over is under way (it lapsed, or was aborted).
     */
    public boolean commit() {
        if (!frozen()) {
            return false;
        }
        committed = true;
        LevelTags.notice("Handed over to the new Turnout: draining and exiting");
        handOverAndExit.run();
        return true;
    }

    /** The new process gave up: admin changes go on here. */
    public void abort() {
        if (!committed && frozenUntil.getAndSet(0) != 0) {
            LevelTags.notice("The new Turnout gave up taking over; admin changes go on here");
        }
    }
}
