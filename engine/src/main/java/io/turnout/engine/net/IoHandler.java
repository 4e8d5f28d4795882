package io.turnout.engine.net;

import java.nio.channels.SelectionKey;

/** What a selection key's attachment does when its channel is ready. Runs on the owning loop. */
interface IoHandler {
    void onReady(SelectionKey key);
}
