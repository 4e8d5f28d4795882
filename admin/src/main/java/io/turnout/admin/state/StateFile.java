package io.turnout.admin.state;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import com.alibaba.fastjson2.JSONWriter;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.LevelTags;
import io.turnout.admin.config.StrictJson;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The clusters, kept on disk so that runtime changes survive a restart (SPEC §5).
 *
 * <p>As a {@link SnapshotWriter.Listener} it rewrites the whole file after every publication
 * that adds or removes a cluster (PUT, DELETE, rollback; ejections are not state). The write is
 * atomic: a temp file in the same directory, {@code force(true)}, a rename over the old file
 * ({@code ATOMIC_MOVE}), then an fsync of the directory so the rename itself is durable. A crash
 * at any point leaves either the old file or the new one, never a mix. It runs on the writer
 * thread before the change's future completes, so a 202 means the change is on disk.
 *
 * <p>The file holds {@code {"turnoutState": 1, "clusters": [...]}}, each element in the GET shape
 * of {@link ClusterJson} (uuid and containers included), oldest first: adding them again in file
 * order restores the order of clusters with equal versions.
 */
public final class StateFile implements SnapshotWriter.Listener {
    /** The value of the {@code turnoutState} key, which also marks the file as Turnout's. */
    public static final int FORMAT = 1;
    private static final String FORMAT_KEY = "turnoutState";

    private final Path path;
    private final Function<String, List<ContainerSpec>> containersOf;

    public StateFile(Path path, Function<String, List<ContainerSpec>> containersOf) {
        this.path = path.toAbsolutePath().normalize();
        this.containersOf = containersOf;
    }

    /**
     * Writes the catalog's current clusters, then keeps the file up to date. Call it after the
     * clusters at start are added, so that a crash during start leaves the previous file whole.
     */
    public static StateFile attach(Path path, ClusterCatalog catalog) {
        StateFile file = new StateFile(path, catalog::containersOf);
        file.write(catalog.snapshot());
        catalog.writer().addListener(file);
        return file;
    }

    public Path path() {
        return path;
    }

    @Override
    public void published(ClusterSnapshot before, ClusterSnapshot after) {
        if (sameClusters(before, after)) {
            return;
        }
        try {
            write(after);
        } catch (UncheckedIOException e) {
            // The change is live; only its persistence failed. One line, the operator can act on it.
            Logger.error("{}; the change is live but will not survive a restart", e.getMessage());
        }
    }

    /** Atomically replaces the file with {@code snapshot}'s clusters. */
    public synchronized void write(ClusterSnapshot snapshot) {
        byte[] bytes = render(snapshot).getBytes(StandardCharsets.UTF_8);
        Path dir = path.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + path + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that is what gets reported
                }
            }
        }
    }

    /** Makes the rename durable (POSIX: the directory entry lives in the directory's own blocks). */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot open a directory; the rename is still atomic there.
            Logger.debug("Cannot fsync directory {}: {}", dir, e.getMessage());
        }
    }

    String render(ClusterSnapshot snapshot) {
        return JSON.toJSONString(toJson(snapshot, containersOf), JSONWriter.Feature.PrettyFormat) + "\n";
    }

    /**
     * The state of {@code snapshot} as the file holds it, {@code {"turnoutState": 1, "clusters":
     * [...]}}: what a takeover hands to the next process too (SPEC §11).
     */
    public static JSONObject toJson(ClusterSnapshot snapshot, Function<String, List<ContainerSpec>> containersOf) {
        List<Cluster> oldestFirst = new ArrayList<>(snapshot.clusters());
        oldestFirst.sort(Comparator.comparingLong(Cluster::sequence));
        JSONArray clusters = new JSONArray(oldestFirst.size());
        for (Cluster c : oldestFirst) {
            List<ContainerSpec> containers = containersOf.apply(c.uuid());
            clusters.add(ClusterJson.toJsonObject(c, containers == null ? List.of() : containers));
        }
        JSONObject root = new JSONObject();
        root.put(FORMAT_KEY, FORMAT);
        root.put("clusters", clusters);
        return root;
    }

    private static boolean sameClusters(ClusterSnapshot before, ClusterSnapshot after) {
        if (before.size() != after.size()) {
            return false;
        }
        for (int i = 0; i < before.size(); i++) {
            if (!before.get(i).uuid().equals(after.get(i).uuid())) {
                return false;
            }
        }
        return true;
    }

    // ---- reading --------------------------------------------------------------------------------

    /**
     * Reads a state file. The clusters come oldest first, the order to add them in so that
     * clusters of equal version keep their order; each carries its uuid.
     *
     * @throws StateFileException when the file cannot be read or is torn or corrupt; its message
     *                            is one line naming the file and what to do
     */
    public static List<ClusterSpec> load(Path path) {
        Path file = path.toAbsolutePath().normalize();
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(file, "it is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new StateFileException("state file " + file + " does not exist");
        } catch (IOException e) {
            throw new StateFileException("cannot read state file " + file + ": " + e.getMessage()
                    + "; check its permissions");
        }
        Object root;
        try {
            root = StrictJson.parse(text, null);
        } catch (InvalidConfigException e) {
            throw corrupt(file, e.getMessage());
        }
        return fromJson(root, detail -> corrupt(file, detail));
    }

    /**
     * The clusters of a state in the file's shape, oldest first, each with its uuid.
     *
     * @param corrupt makes the one-line error for what is wrong with it
     */
    public static List<ClusterSpec> fromJson(Object root, Function<String, StateFileException> corrupt) {
        if (!(root instanceof JSONObject top)) {
            throw corrupt.apply("expected an object {\"" + FORMAT_KEY + "\": 1, \"clusters\": [...]}");
        }
        for (String key : top.keySet()) {
            if (!key.equals(FORMAT_KEY) && !key.equals("clusters")) {
                throw corrupt.apply("unknown key " + key);
            }
        }
        if (!(top.get(FORMAT_KEY) instanceof Integer format) || format != FORMAT) {
            throw corrupt.apply(FORMAT_KEY + " must be " + FORMAT + ", was " + top.get(FORMAT_KEY));
        }
        if (!(top.get("clusters") instanceof JSONArray array)) {
            throw corrupt.apply("clusters must be an array");
        }
        List<ClusterSpec> specs = new ArrayList<>(array.size());
        Set<String> uuids = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "clusters[" + i + "]";
            if (!(array.get(i) instanceof JSONObject wrapper) || wrapper.size() != 1 || !wrapper.containsKey("cluster")) {
                throw corrupt.apply(at + " must be {\"cluster\": {...}}");
            }
            ClusterSpec spec;
            try {
                spec = ClusterJson.parseStored(wrapper.get("cluster"), at + ".cluster");
            } catch (InvalidConfigException e) {
                throw corrupt.apply(e.getMessage());
            }
            if (spec.uuid() == null) {
                throw corrupt.apply(at + ".cluster.uuid is missing");
            }
            if (!uuids.add(spec.uuid().toLowerCase(Locale.ROOT))) {
                throw corrupt.apply(at + ".cluster.uuid " + spec.uuid() + " appears twice");
            }
            specs.add(spec);
        }
        return List.copyOf(specs);
    }

    /**
     * The clusters to start with (SPEC §5): a state file that exists wins over the config file's
     * clusters, even when it holds none (they were all deleted at run time).
     *
     * @param stateFile      the configured path, or {@code null} when there is none
     * @param configClusters the config file's {@code cluster}/{@code clusters}
     * @throws StateFileException when the state file exists but cannot be used
     */
    public static List<ClusterSpec> clustersAtStart(Path stateFile, List<ClusterSpec> configClusters) {
        if (stateFile == null || !Files.exists(stateFile)) {
            return configClusters;
        }
        List<ClusterSpec> restored = load(stateFile);
        LevelTags.notice("Restoring {} cluster(s) from state file {}; the config file's clusters are not used",
                restored.size(), stateFile);
        return restored;
    }

    private static StateFileException corrupt(Path file, String detail) {
        return new StateFileException("state file " + file + " is torn or corrupt (" + detail + "); fix it, or remove"
                + " it to start from the config file's clusters");
    }
}
