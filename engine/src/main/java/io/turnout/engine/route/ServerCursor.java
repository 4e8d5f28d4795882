package io.turnout.engine.route;

/**
 * The order in which one request tries servers (SPEC §2, §3): round robin over the chosen
 * cluster's healthy servers, then the fallback cluster's (the previous version), and only then,
 * as a last resort, servers that are ejected ("panic routing", as Envoy does), so a wrong
 * ejection never turns into an outage. One instance per connection, reused for every request.
 */
public final class ServerCursor {
    private Cluster primary;
    private Cluster fallback;
    private int roundRobin;
    /** 0 healthy primary, 1 healthy fallback, 2 ejected primary, 3 ejected fallback. */
    private int pass;
    private int offset;
    private Cluster current;

    public void begin(Cluster primary, Cluster fallback, int roundRobin) {
        this.primary = primary;
        this.fallback = fallback;
        this.roundRobin = roundRobin & Integer.MAX_VALUE;
        this.pass = 0;
        this.offset = 0;
        this.current = null;
    }

    /** The next server to try, or {@code null} when every candidate has been tried. */
    public Server next() {
        while (pass < 4) {
            Cluster cluster = (pass & 1) == 0 ? primary : fallback;
            boolean wantEjected = pass >= 2;
            if (cluster != null) {
                int n = cluster.servers().size();
                while (offset < n) {
                    int index = (roundRobin + offset++) % n;
                    if (cluster.isEjected(index) == wantEjected) {
                        current = cluster;
                        return cluster.servers().get(index);
                    }
                }
            }
            pass++;
            offset = 0;
        }
        return null;
    }

    /** Whether {@link #next()} would return another server; does not move the cursor. */
    public boolean hasNext() {
        int savedPass = pass;
        int savedOffset = offset;
        Cluster savedCurrent = current;
        boolean more = next() != null;
        pass = savedPass;
        offset = savedOffset;
        current = savedCurrent;
        return more;
    }

    /** The cluster of the server last returned by {@link #next()}. */
    public Cluster currentCluster() {
        return current;
    }
}
