package io.turnout.admin.store;

import org.tinylog.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The thread that keeps this proxy's clusters in step with etcd (SPEC §10): it watches the
 * prefix and hands each message to the {@link FleetMirror}. When the stream breaks (a member
 * died, a heartbeat gave up on it) it reconnects across the members with back-off and resumes
 * from the revision after the last one it applied, so no change is missed and none is applied
 * twice. When etcd has compacted that revision away, it reads the whole prefix again first.
 * Meanwhile routing goes on with the last snapshot: this thread is the only one that waits.
 */
final class WatchLoop {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final EtcdClient client;
    private final ClusterKeys keys;
    private final FleetMirror mirror;
    private final Thread thread;
    private final Object backoff = new Object();
    private volatile boolean running = true;
    private volatile EtcdClient.Watch current;
    private volatile String lastError;
    private volatile Instant downSince;
    /** The first revision not yet applied; the watch thread's own. */
    private long next;
    private boolean fullReadNeeded;

    WatchLoop(EtcdClient client, ClusterKeys keys, FleetMirror mirror) {
        this.client = client;
        this.keys = keys;
        this.mirror = mirror;
        this.thread = new Thread(this::run, "turnout-etcd-watch");
        this.thread.setDaemon(true);
    }

    /** Starts watching from {@code fromRevision}: the one after the full read at start. */
    void start(long fromRevision) {
        next = fromRevision;
        thread.start();
    }

    /** The live watch, or {@code null} while disconnected. */
    EtcdClient.Watch current() {
        return current;
    }

    /** Why the last connection failed, while disconnected; else {@code null}. */
    String lastError() {
        return current == null ? lastError : null;
    }

    /** Since when etcd has been unreachable, while it is; else {@code null}. */
    Instant downSince() {
        return current == null ? downSince : null;
    }

    private void run() {
        int failures = 0;
        while (running) {
            EtcdClient.Watch watch = null;
            try {
                if (fullReadNeeded) {
                    EtcdClient.Range range = client.range(keys.prefix());
                    mirror.read(range, false);
                    next = range.revision() + 1;
                    fullReadNeeded = false;
                }
                watch = client.watch(keys.prefix(), next);
                current = watch;
                if (!running) {
                    break; // close() ran while the watch opened and saw no watch to abort
                }
                if (downSince != null) {
                    Logger.warn("Reconnected to etcd at {} after {} s: watching from revision {}", watch.member(),
                            Duration.between(downSince, Instant.now()).toMillis() / 1000.0, next);
                    downSince = null;
                }
                failures = 0;
                follow(watch);
            } catch (EtcdException | IOException e) {
                if (!running) {
                    break;
                }
                current = null;
                lastError = e.getMessage();
                if (downSince == null) {
                    downSince = Instant.now();
                    Logger.warn("Lost etcd ({}): routing goes on with the last clusters and PUT and DELETE answer 503; "
                            + "reconnecting with back-off", e.getMessage());
                } else {
                    Logger.debug("etcd still unreachable: {}", e.getMessage());
                }
                pause(failures++);
            } catch (RuntimeException e) {
                // A bug must not stop the fleet sync for good: log it once with its trace, retry.
                current = null;
                lastError = e.toString();
                if (downSince == null) {
                    downSince = Instant.now();
                }
                Logger.error(e, "The etcd watch failed");
                pause(failures++);
            } finally {
                current = null;
                if (watch != null) {
                    watch.close();
                }
            }
        }
    }

    /** Reads the watch until it ends: with an IOException, or canceled after a compaction. */
    private void follow(EtcdClient.Watch watch) throws IOException {
        while (running) {
            WatchResponse message;
            try {
                message = watch.next();
            } catch (IOException e) {
                throw new IOException("the watch on etcd at " + watch.member() + " broke (" + e.getMessage() + ")", e);
            }
            if (message.canceled()) {
                if (message.compactRevision() > 0) {
                    Logger.info("etcd compacted its history past revision {} (to {}): reading {} again in full",
                            next, message.compactRevision(), keys.prefix());
                    fullReadNeeded = true;
                    return;
                }
                throw new IOException("etcd at " + watch.member() + " canceled the watch"
                        + (message.cancelReason() == null ? "" : ": " + message.cancelReason()));
            }
            if (!message.events().isEmpty()) {
                mirror.watched(message);
                for (WatchResponse.Event e : message.events()) {
                    next = Math.max(next, e.kv().modRevision() + 1);
                }
            }
        }
    }

    /** 100 ms, doubling up to 2 s, with jitter so a fleet does not reconnect in lockstep. */
    private void pause(int failures) {
        long millis = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures, 10));
        millis = (long) (millis * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (backoff) {
            long left;
            while (running && (left = (deadline - System.nanoTime()) / 1_000_000L) > 0) {
                try {
                    backoff.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void close() {
        running = false;
        EtcdClient.Watch watch = current;
        if (watch != null) {
            watch.abort();
        }
        synchronized (backoff) {
            backoff.notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
