package io.turnout.engine.health;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The most recent events, newest first, bounded. Written off the data path only. */
public final class EventLog {
    private final int capacity;
    private final ArrayDeque<Event> events = new ArrayDeque<>();

    public EventLog(int capacity) {
        this.capacity = capacity;
    }

    public synchronized void record(Event.Type type, String clusterUuid, String version, String server, String reason) {
        if (events.size() == capacity) {
            events.removeLast();
        }
        events.addFirst(new Event(Instant.now(), type, clusterUuid, version, server, reason));
    }

    /** Newest first. */
    public synchronized List<Event> snapshot() {
        List<Event> copy = new ArrayList<>(events.size());
        for (Iterator<Event> it = events.iterator(); it.hasNext(); ) {
            copy.add(it.next());
        }
        return copy;
    }
}
