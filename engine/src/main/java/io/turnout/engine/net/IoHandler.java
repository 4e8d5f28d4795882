package io.turnout.engine.net;

import java.nio.channels.SelectionKey;

/** What a selection key's attachment does when its channel is ready. Runs on the owning loop. */
interface IoHandler {
    void onReady(SelectionKey key);

    /**
     * Closes this endpoint after {@link #onReady} threw: its state can no longer be trusted
     * (Jetty's {@code ManagedSelector.processSelected}). Must not throw.
     */
    void closeAfterError();
}
