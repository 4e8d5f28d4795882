package io.turnout.engine.route;

import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.tinylog.Logger;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The single writer of SPEC §7. Every change to the clusters (admin PUT and DELETE, ejection,
 * re-admission, rollback) is a {@link Mutation} on one MPSC queue; this thread applies them in
 * order, publishes each resulting snapshot through a volatile reference and only then completes
 * the caller's future, so an admin 202 is sent after the change is visible to routing.
 */
public final class SnapshotWriter implements AutoCloseable {

    /** A change to the clusters. Throw {@link MutationRejected} to refuse it; nothing is published. */
    @FunctionalInterface
    public interface Mutation {
        ClusterSnapshot apply(ClusterSnapshot current);
    }

    /** Told of every publication, on the writer thread, after it is visible to routing. */
    @FunctionalInterface
    public interface Listener {
        void published(ClusterSnapshot before, ClusterSnapshot after);
    }

    /** A mutation refused for a reason the caller can show to a user (for example a duplicate uuid). */
    public static final class MutationRejected extends RuntimeException {
        private final int status;

        public MutationRejected(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        /** The HTTP status an admin caller should answer with. */
        public int status() {
            return status;
        }
    }

    private record Task(Mutation mutation, CompletableFuture<ClusterSnapshot> done) {
    }

    private final MpscUnboundedXaddArrayQueue<Task> queue = new MpscUnboundedXaddArrayQueue<>(256);
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile ClusterSnapshot current;
    private volatile boolean running = true;

    public SnapshotWriter(ClusterSnapshot initial) {
        this.current = initial.publishedBy(this);
        this.thread = new Thread(this::run, "turnout-snapshot-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The published snapshot. One volatile read; safe from any thread. */
    public ClusterSnapshot snapshot() {
        return current;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * Queues a mutation. The future completes with the published snapshot, or exceptionally with
     * {@link MutationRejected} or whatever the mutation threw.
     */
    public CompletableFuture<ClusterSnapshot> submit(Mutation mutation) {
        CompletableFuture<ClusterSnapshot> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("snapshot writer is closed"));
            return done;
        }
        queue.offer(new Task(mutation, done));
        LockSupport.unpark(thread);
        return done;
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Task task = queue.poll();
            if (task == null) {
                LockSupport.parkNanos(this, 100_000_000L);
                continue;
            }
            apply(task);
        }
    }

    private void apply(Task task) {
        ClusterSnapshot before = current;
        ClusterSnapshot after;
        try {
            after = task.mutation().apply(before);
        } catch (RuntimeException e) {
            task.done().completeExceptionally(e);
            return;
        }
        if (after != before) {
            after = after.publishedBy(this);
            current = after;
            for (Listener listener : listeners) {
                try {
                    listener.published(before, after);
                } catch (RuntimeException e) {
                    Logger.error(e, "Snapshot listener failed");
                }
            }
        }
        task.done().complete(after);
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
