package io.turnout.admin.docker;

import org.tinylog.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the containers of a Docker-managed cluster (SPEC §6) and takes them down again.
 *
 * <p>{@link #launch} pulls an image only when it is missing, creates and starts each container,
 * and returns only once each one accepts TCP on its loopback address, so the cluster is never
 * routed to before it can serve (the prototype registered versions before they were ready). If
 * anything fails, everything this call created is removed before the exception leaves (the
 * prototype left containers behind).
 *
 * <p>Every container carries {@value #MANAGED_LABEL}{@code =true} and
 * {@value #CLUSTER_LABEL}{@code =<uuid>}; removal touches nothing without them.
 *
 * <p>Blocking: call it from an admin worker thread, never from a selector thread.
 */
public final class ContainerLauncher {
    public static final String MANAGED_LABEL = "io.turnout.managed";
    public static final String CLUSTER_LABEL = "io.turnout.cluster";
    /** SPEC §6: backends are reached on loopback only, never on a bridge address. */
    public static final String LOOPBACK = "127.0.0.1";

    private static final long PROBE_CONNECT_MILLIS = 250;
    private static final long PROBE_INTERVAL_MILLIS = 100;
    private static final long INSPECT_INTERVAL_MILLIS = 500;
    /** docker-proxy accepts on a published port before the app listens; see {@link #accepts}. */
    private static final int PUBLISHED_HOLD_MILLIS = 200;
    private static final long PULL_LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final DockerClient docker;
    private final int stopTimeoutSeconds;

    /** Containers get 10 s between SIGTERM and SIGKILL when stopped, Docker's own default. */
    public ContainerLauncher(DockerClient docker) {
        this(docker, 10);
    }

    public ContainerLauncher(DockerClient docker, int stopTimeoutSeconds) {
        this.docker = docker;
        this.stopTimeoutSeconds = stopTimeoutSeconds;
    }

    public DockerClient docker() {
        return docker;
    }

    /** The labels every container of {@code clusterUuid} carries; also the filter to find them. */
    public static Map<String, String> labelsOf(String clusterUuid) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_LABEL, "true");
        labels.put(CLUSTER_LABEL, clusterUuid);
        return labels;
    }

    /**
     * Starts {@code requests} for the cluster and returns them, in order, once each accepts TCP.
     * On failure nothing this call created is left, and the exception carries Docker's message.
     */
    public List<LaunchedContainer> launch(String clusterUuid, List<ContainerRequest> requests) throws DockerException {
        return start(clusterUuid, requests, null);
    }

    /**
     * After a restart: reuse the containers a state file names when they still run, carry our
     * labels for this cluster and accept TCP; otherwise replace them. {@code recordedIds} runs in
     * step with {@code requests}; an entry may be null (then the request's {@code name}, if any,
     * is looked up). On failure only the containers this call created are removed.
     */
    public List<LaunchedContainer> adopt(String clusterUuid, List<ContainerRequest> requests, List<String> recordedIds)
            throws DockerException {
        return start(clusterUuid, requests, recordedIds);
    }

    /** {@link #launch} when {@code recordedIds} is null, else {@link #adopt}. */
    private List<LaunchedContainer> start(String clusterUuid, List<ContainerRequest> requests, List<String> recordedIds)
            throws DockerException {
        List<String> created = new ArrayList<>();
        List<LaunchedContainer> result = new ArrayList<>(requests.size());
        Set<String> imagesPresent = new HashSet<>();
        try {
            for (int i = 0; i < requests.size(); i++) {
                ContainerRequest request = requests.get(i);
                LaunchedContainer adopted = null;
                if (recordedIds != null) {
                    String recorded = i < recordedIds.size() ? recordedIds.get(i) : null;
                    if (recorded == null || recorded.isEmpty()) {
                        recorded = request.name();
                    }
                    adopted = recorded == null ? null : tryAdopt(clusterUuid, request, recorded);
                }
                result.add(adopted != null ? adopted : startNew(clusterUuid, request, created, imagesPresent));
            }
            return List.copyOf(result);
        } catch (DockerException | RuntimeException e) {
            if (created.isEmpty()) {
                // The caller reports the failure (502, or the launcher's one line); nothing to undo.
                Logger.info("Starting the containers of cluster {} failed: {}", clusterUuid, e.getMessage());
            } else {
                Logger.warn("Starting the containers of cluster {} failed; removing the {} created: {}", clusterUuid,
                        created.size(), e.getMessage());
                removeCreated(created, e);
            }
            throw e;
        }
    }

    /** Stops and removes every container labelled for {@code clusterUuid}; returns their ids. */
    public List<String> stopAndRemoveCluster(String clusterUuid) throws DockerException {
        List<String> ids = new ArrayList<>();
        for (ContainerSummary c : docker.listContainers(labelsOf(clusterUuid))) {
            ids.add(c.id());
        }
        return stopAndRemove(ids);
    }

    /**
     * Stops and removes the given containers, but only those that carry {@value #MANAGED_LABEL}:
     * anything else is logged and left alone. Containers already gone are skipped. Every
     * container is tried; the first failure is thrown at the end with the others suppressed.
     */
    public List<String> stopAndRemove(Collection<String> containerIds) throws DockerException {
        List<String> removed = new ArrayList<>();
        DockerException failure = null;
        for (String id : containerIds) {
            try {
                Optional<ContainerInfo> info = docker.inspectContainer(id);
                if (info.isEmpty()) {
                    Logger.info("Container {} is already gone", DockerClient.shortId(id));
                    continue;
                }
                ContainerInfo c = info.get();
                if (!"true".equals(c.labels().get(MANAGED_LABEL))) {
                    Logger.warn("Not removing container {} ({}): it lacks the label {}=true, so Turnout did not create it",
                            c.name(), DockerClient.shortId(c.id()), MANAGED_LABEL);
                    continue;
                }
                if (c.running()) {
                    Logger.info("Stopping container {} ({})", c.name(), DockerClient.shortId(c.id()));
                    docker.stopContainer(c.id(), stopTimeoutSeconds);
                }
                if (docker.removeContainer(c.id())) {
                    Logger.info("Removed container {} ({})", c.name(), DockerClient.shortId(c.id()));
                }
                removed.add(c.id());
            } catch (DockerException e) {
                Logger.error("Could not stop and remove container {}: {}", DockerClient.shortId(id), e.getMessage());
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return removed;
    }

    // ---- one container ---------------------------------------------------------------------

    private LaunchedContainer startNew(String clusterUuid, ContainerRequest request, List<String> created,
                                       Set<String> imagesPresent) throws DockerException {
        String image = request.reference();
        ensureImage(request, imagesPresent);
        if (request.hostNetwork() && accepts(request.portToProxy(), false)) {
            // Otherwise the readiness probe would see the other listener and declare us ready.
            throw new DockerException(DockerException.NO_STATUS, null, "cannot start " + image + " with networkMode host: "
                    + LOOPBACK + ":" + request.portToProxy() + " already accepts connections; choose a free portToProxy");
        }
        String id = docker.createContainer(new ContainerCreate(request.name(), image, request.environment(),
                request.cmd(), labelsOf(clusterUuid), request.portToProxy(), request.hostNetwork(), LOOPBACK));
        created.add(id);
        Logger.info("Created container {} from {} for cluster {}", DockerClient.shortId(id), image, clusterUuid);
        docker.startContainer(id);
        ContainerInfo info = inspectOrFail(id, image);
        int port = loopbackPort(info, request);
        Logger.info("Started container {} ({}); waiting up to {} s for {}:{} to accept TCP", info.name(),
                DockerClient.shortId(id), seconds(request.readyTimeout()), LOOPBACK, port);
        awaitReady(info, request, port);
        Logger.info("Container {} ({}) from {} is ready on {}:{}", info.name(), DockerClient.shortId(id), image,
                LOOPBACK, port);
        return new LaunchedContainer(id, info.name(), image, LOOPBACK, port, false);
    }

    /** The running, labelled container {@code recorded}, ready on its port; else null (replace it). */
    private LaunchedContainer tryAdopt(String clusterUuid, ContainerRequest request, String recorded)
            throws DockerException {
        Optional<ContainerInfo> found = docker.inspectContainer(recorded);
        if (found.isEmpty()) {
            Logger.info("Container {} named in the state file is gone; creating a new one from {}", recorded,
                    request.reference());
            return null;
        }
        ContainerInfo info = found.get();
        boolean ours = "true".equals(info.labels().get(MANAGED_LABEL))
                && clusterUuid.equals(info.labels().get(CLUSTER_LABEL));
        if (!ours) {
            Logger.warn("Container {} ({}) does not carry Turnout's labels for cluster {}; leaving it alone and "
                    + "creating a new one", info.name(), DockerClient.shortId(info.id()), clusterUuid);
            return null;
        }
        if (info.running()) {
            int port = request.hostNetwork() ? request.portToProxy() : info.publishedPort(request.portToProxy());
            if (port > 0) {
                try {
                    awaitReady(info, request, port);
                    Logger.info("Adopted running container {} ({}) on {}:{}", info.name(),
                            DockerClient.shortId(info.id()), LOOPBACK, port);
                    return new LaunchedContainer(info.id(), info.name(), info.image(), LOOPBACK, port, true);
                } catch (DockerException e) {
                    Logger.warn("Container {} runs but is not usable ({}); replacing it", info.name(), e.getMessage());
                }
            }
        } else {
            Logger.info("Container {} ({}) is {}; replacing it", info.name(), DockerClient.shortId(info.id()),
                    info.status());
        }
        docker.removeContainer(info.id());
        return null;
    }

    private void ensureImage(ContainerRequest request, Set<String> imagesPresent) throws DockerException {
        String image = request.reference();
        if (imagesPresent.contains(image)) {
            return;
        }
        if (!docker.imageExists(image)) {
            Logger.info("Image {} is missing; pulling it", image);
            docker.pullImage(request.repository(), request.pullTag(), new PullLog(image));
            Logger.info("Pulled image {}", image);
        }
        imagesPresent.add(image);
    }

    private ContainerInfo inspectOrFail(String id, String image) throws DockerException {
        return docker.inspectContainer(id).orElseThrow(() -> new DockerException(404, null,
                "container " + DockerClient.shortId(id) + " from " + image + " vanished right after it started"));
    }

    private static int loopbackPort(ContainerInfo info, ContainerRequest request) throws DockerException {
        if (request.hostNetwork()) {
            return request.portToProxy();
        }
        int port = info.publishedPort(request.portToProxy());
        if (port <= 0) {
            throw new DockerException(DockerException.NO_STATUS, null, "Docker published no host port for "
                    + request.portToProxy() + "/tcp of container " + info.name() + " (network mode "
                    + info.networkMode() + "); a Docker daemon without a bridge network cannot publish ports, "
                    + "use \"networkMode\": \"host\"");
        }
        return port;
    }

    /**
     * Polls {@code 127.0.0.1:port} with short connect attempts until one is accepted, failing
     * early when the container stops, and failing at {@code readyTimeout}.
     */
    private void awaitReady(ContainerInfo info, ContainerRequest request, int port) throws DockerException {
        String what = "container " + info.name() + " (" + DockerClient.shortId(info.id()) + ") from "
                + request.reference();
        long start = System.nanoTime();
        long deadline = start + request.readyTimeout().toNanos();
        long nextInspect = start + INSPECT_INTERVAL_MILLIS * 1_000_000L;
        boolean published = !request.hostNetwork();
        while (true) {
            if (accepts(port, published)) {
                return;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new DockerException(DockerException.NO_STATUS, null, what + " did not accept TCP connections on "
                        + LOOPBACK + ":" + port + " within " + seconds(request.readyTimeout()) + " s");
            }
            if (now - nextInspect >= 0) {
                nextInspect = now + INSPECT_INTERVAL_MILLIS * 1_000_000L;
                ContainerInfo current = docker.inspectContainer(info.id()).orElseThrow(() -> new DockerException(404,
                        null, what + " disappeared before it accepted TCP connections"));
                if (!current.running()) {
                    throw new DockerException(DockerException.NO_STATUS, current.error().isEmpty() ? null : current.error(),
                            what + " stopped (" + current.status() + ", exit code " + current.exitCode() + ")"
                                    + (current.error().isEmpty() ? "" : ": " + current.error())
                                    + " before it accepted TCP connections on port " + request.portToProxy());
                }
            }
            try {
                Thread.sleep(Math.max(1, Math.min(PROBE_INTERVAL_MILLIS, (deadline - now) / 1_000_000L)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DockerException(DockerException.NO_STATUS, null, "interrupted while waiting for " + what);
            }
        }
    }

    /**
     * True when {@code 127.0.0.1:port} accepts a TCP connection. Through a published port the
     * listener is Docker's userland proxy, which accepts at once and closes when it cannot reach
     * the app; so there the connection must also stay open (or yield data) for a moment.
     */
    private static boolean accepts(int port, boolean published) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), (int) PROBE_CONNECT_MILLIS);
            if (!published) {
                return true;
            }
            socket.setSoTimeout(PUBLISHED_HOLD_MILLIS);
            InputStream in = socket.getInputStream();
            try {
                return in.read() != -1;
            } catch (SocketTimeoutException stillOpen) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    private void removeCreated(List<String> created, Exception cause) {
        for (String id : created) {
            try {
                docker.removeContainer(id);
                Logger.info("Removed container {} after a failed start", DockerClient.shortId(id));
            } catch (DockerException e) {
                Logger.error("Could not remove container {} after a failed start: {}", DockerClient.shortId(id),
                        e.getMessage());
                cause.addSuppressed(e);
            }
        }
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0);
    }

    /** Logs a pull's progress at INFO, per-layer lines at most once a second. */
    private static final class PullLog implements Consumer<PullProgress> {
        private final String image;
        private long lastLayerLine = System.nanoTime() - PULL_LOG_INTERVAL_NANOS;

        PullLog(String image) {
            this.image = image;
        }

        @Override
        public void accept(PullProgress p) {
            long now = System.nanoTime();
            // Lines without a layer id (Pulling from, Digest, Status) are few and worth keeping.
            if (p.id().isEmpty() || now - lastLayerLine >= PULL_LOG_INTERVAL_NANOS) {
                if (!p.id().isEmpty()) {
                    lastLayerLine = now;
                }
                Logger.info("Pulling {}: {}", image, p);
            } else {
                Logger.debug("Pulling {}: {}", image, p);
            }
        }
    }
}
