package io.turnout.admin.state;

import io.turnout.admin.api.AdminApi;
import io.turnout.admin.api.AdminServer;
import io.turnout.admin.api.AdminSettings;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A proxy's admin side in a process of its own, for {@link StateFileCrashTest} to SIGKILL:
 * restores from the state file, serves the admin API, and writes its port to a file.
 * Arguments: state file, port file.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path portFile = Path.of(args[1]);
        SnapshotWriter writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        ClusterCatalog catalog = new ClusterCatalog(writer);
        for (ClusterSpec spec : StateFile.clustersAtStart(state, List.of())) {
            catalog.add(spec).join();
        }
        StateFile.attach(state, catalog);
        AdminServer server = new AdminServer(AdminSettings.of("127.0.0.1", 0, null), new AdminApi(catalog));
        server.start();
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(Long.MAX_VALUE);
    }
}
