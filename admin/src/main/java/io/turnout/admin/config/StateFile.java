package io.turnout.admin.config;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.route.Cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The state file of SPEC §5: the clusters as they are now, so runtime changes survive a restart.
 *
 * <p>Format: {@code {"turnoutState": 1, "clusters": [{"cluster": {...}}, ...]}}, each cluster in
 * the GET shape of {@link ClusterJson#toJson}, in insertion order (oldest first) so that adding
 * them again in file order restores the tie-break between equal versions. Saving is atomic: a
 * temp file in the same directory, fsync, rename over the old file, fsync of the directory.
 * Loading is as strict as the config file; a file that does not read back whole stops the start
 * rather than silently dropping clusters.
 */
public final class StateFile {
    static final int FORMAT = 1;

    private final Path path;

    public StateFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /**
     * The clusters saved, oldest first, each with its uuid; empty when there is no file yet.
     *
     * @throws InvalidConfigException when the file exists but cannot be read back whole; the
     *                                message is one line naming the file
     */
    public Optional<List<ClusterSpec>> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (java.nio.file.AccessDeniedException e) {
            throw corrupt("permission denied");
        } catch (IOException e) {
            throw corrupt("cannot read it (" + Shown.text(String.valueOf(e.getMessage())) + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt("not UTF-8 text");
        }
        try {
            return Optional.of(parse(text));
        } catch (InvalidConfigException e) {
            throw corrupt(e.getMessage());
        }
    }

    private static List<ClusterSpec> parse(String text) {
        Object root = StrictJson.parse(text, null);
        JsonFields top = JsonFields.of(root, "", "{\"turnoutState\": 1, \"clusters\": [...]}");
        top.allowOnly(List.of("turnoutState", "clusters"));
        Long format = top.whole("turnoutState", FORMAT, FORMAT);
        if (format == null) {
            throw new InvalidConfigException("turnoutState", "required; this is not a Turnout state file");
        }
        JSONArray clusters = top.array("clusters");
        if (clusters == null) {
            throw new InvalidConfigException("clusters", "required");
        }
        List<ClusterSpec> out = new ArrayList<>(clusters.size());
        Set<String> uuids = new HashSet<>();
        for (int i = 0; i < clusters.size(); i++) {
            String path = Shown.element("clusters", i);
            JsonFields wrapper = JsonFields.of(clusters.get(i), path, "{\"cluster\": {...}}");
            wrapper.allowOnly(List.of("cluster"));
            ClusterSpec spec = ClusterJson.parseStored(wrapper.get("cluster"), wrapper.path("cluster"));
            if (spec.uuid() == null) {
                throw new InvalidConfigException(wrapper.path("cluster") + ".uuid", "required in a state file");
            }
            if (!uuids.add(spec.uuid().toLowerCase(Locale.ROOT))) {
                throw new InvalidConfigException(wrapper.path("cluster") + ".uuid", "appears twice");
            }
            out.add(spec);
        }
        return out;
    }

    /** The document {@link #save} writes. */
    public static String toJson(List<Cluster> clusters, Function<String, List<ContainerSpec>> containersOf) {
        List<Cluster> oldestFirst = new ArrayList<>(clusters);
        oldestFirst.sort(Comparator.comparingLong(Cluster::sequence));
        JSONArray array = new JSONArray(oldestFirst.size());
        for (Cluster c : oldestFirst) {
            List<ContainerSpec> containers = containersOf.apply(c.uuid());
            array.add(ClusterJson.toJsonObject(c, containers == null ? List.of() : containers));
        }
        JSONObject root = new JSONObject();
        root.put("turnoutState", FORMAT);
        root.put("clusters", array);
        return JSON.toJSONString(root);
    }

    /**
     * Replaces the file atomically with {@code clusters}.
     *
     * @param containersOf each cluster's containers by uuid (an empty list or {@code null} for none)
     */
    public void save(List<Cluster> clusters, Function<String, List<ContainerSpec>> containersOf) throws IOException {
        byte[] bytes = toJson(clusters, containersOf).getBytes(StandardCharsets.UTF_8);
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        forceDirectory(dir);
    }

    /** Makes the rename durable; not every platform can open a directory, which is fine. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the data itself was forced before the rename.
        }
    }

    private InvalidConfigException corrupt(String detail) {
        return new InvalidConfigException(path.toString(), "state file cannot be loaded: " + detail
                + "; Turnout will not start without it rather than lose clusters; restore it, or delete it "
                + "to start from the config file's clusters");
    }
}
