package io.turnout.admin.docker;

import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.catalog.StartedContainer;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.admin.config.DockerHostSpec;
import io.turnout.engine.route.Server;
import org.tinylog.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Docker-managed clusters (SPEC §6) for the admin API: {@link ClusterProvisioner} over a
 * {@link ContainerLauncher}. Every Docker call blocks, so each runs on a small worker pool of its
 * own, never on the admin selector thread nor on the snapshot writer.
 *
 * <p>A cluster restored from the state file names the containers that ran it; they are adopted
 * when they still run and answer, and replaced when not, so a restart never duplicates them.
 * Removal (DELETE, rollback, a lost race) goes by Turnout's labels: nothing else is touched.
 */
public final class DockerProvisioner implements ClusterProvisioner, AutoCloseable {
    /** Concurrent Docker operations; more PUTs queue. Container starts mostly wait on readiness. */
    static final int WORKERS = 4;

    private final ContainerLauncher launcher;
    private final ThreadPoolExecutor workers;

    public DockerProvisioner(ContainerLauncher launcher) {
        this.launcher = launcher;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "turnout-docker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
    }

    /**
     * SPEC §1: the config's {@code dockerHost}, else {@code DOCKER_HOST} from {@code env}, else
     * {@code /var/run/docker.sock}. Nothing is contacted until a cluster needs Docker.
     *
     * @param configured the config's {@code dockerHost} block, or {@code null}
     * @throws IllegalArgumentException when {@code DOCKER_HOST} is set to something unusable
     */
    public static DockerProvisioner forHost(DockerHostSpec configured, Map<String, String> env) {
        DockerEndpoint endpoint = configured == null ? DockerEndpoint.fromEnvironment(env)
                : DockerEndpoint.resolve(configured.socket(), configured.ip(), configured.port(), env);
        return new DockerProvisioner(new ContainerLauncher(new DockerClient(endpoint)));
    }

    public DockerEndpoint endpoint() {
        return launcher.docker().endpoint();
    }

    @Override
    public CompletableFuture<List<StartedContainer>> provision(String uuid, ClusterSpec spec) {
        List<ContainerRequest> requests = new ArrayList<>(spec.containers().size());
        List<String> recordedIds = new ArrayList<>(spec.containers().size());
        for (ContainerSpec c : spec.containers()) {
            requests.add(request(c));
            recordedIds.add(c.id());
        }
        boolean restored = spec.hasContainerIds();
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<LaunchedContainer> launched = restored
                        ? launcher.adopt(uuid, requests, recordedIds)
                        : launcher.launch(uuid, requests);
                List<StartedContainer> started = new ArrayList<>(launched.size());
                for (LaunchedContainer c : launched) {
                    started.add(new StartedContainer(c.id(), new Server(c.host(), c.port())));
                }
                return started;
            } catch (DockerException e) {
                throw new CompletionException(explained(e));
            }
        }, workers);
    }

    @Override
    public void abandon(String uuid, ClusterSpec spec, List<StartedContainer> started) {
        List<String> ids = new ArrayList<>(started.size());
        for (StartedContainer c : started) {
            ids.add(c.id());
        }
        inBackground("remove the containers of cluster " + uuid + " after its publication failed",
                () -> launcher.stopAndRemove(ids));
    }

    @Override
    public void retired(String uuid, ClusterSpec spec) {
        inBackground("stop and remove the containers of cluster " + uuid + " (version " + spec.version() + ")",
                () -> launcher.stopAndRemoveCluster(uuid));
    }

    /**
     * Stops and removes the containers of these clusters now, on the calling thread: for
     * {@code stopContainersOnExit}, once routing has stopped.
     */
    public void stopAndRemoveClusters(List<String> uuids) {
        for (String uuid : uuids) {
            try {
                launcher.stopAndRemoveCluster(uuid);
            } catch (DockerException e) {
                Logger.error("Could not stop the containers of cluster {}: {}", uuid, e.getMessage());
            }
        }
    }

    /** Lets queued removals finish (bounded), then stops the workers. */
    @Override
    public void close() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                Logger.warn("Docker operations still running after 30 s; leaving them");
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SPEC §1 {@code containers[i]} as the launcher takes it: one to one. */
    static ContainerRequest request(ContainerSpec c) {
        return new ContainerRequest(c.image(), c.tag(), c.portToProxy(), c.environment(), c.cmd(), c.name(),
                c.hostNetwork(), c.readyTimeout());
    }

    /** An unreachable engine says where it was looked for; this says how to point elsewhere. */
    private DockerException explained(DockerException e) {
        if (e.status() == DockerException.NO_STATUS && e.getMessage().startsWith("cannot reach Docker")) {
            return new DockerException(DockerException.NO_STATUS, e.dockerMessage(), e.getMessage()
                    + "; start Docker there, or point Turnout at it with dockerHost in the config file or DOCKER_HOST");
        }
        return e;
    }

    @FunctionalInterface
    private interface DockerTask {
        void run() throws DockerException;
    }

    private void inBackground(String what, DockerTask task) {
        try {
            workers.execute(() -> {
                try {
                    task.run();
                } catch (DockerException | RuntimeException e) {
                    Logger.error("Could not {}: {}", what, e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Logger.error("Could not {}: Turnout is shutting down", what);
        }
    }
}
