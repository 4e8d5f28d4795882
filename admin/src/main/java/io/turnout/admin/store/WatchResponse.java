package io.turnout.admin.store;

import java.util.List;

/**
 * One message of a watch stream. The first says {@code created}. Events come in revision order,
 * all those of one transaction in one message. {@code canceled} ends the watch; with a
 * {@code compactRevision} above 0 it means the revision asked for was compacted away, so the
 * prefix must be read again in full.
 *
 * @param revision the store revision in the message's header
 */
public record WatchResponse(long revision, boolean created, boolean canceled, long compactRevision,
                            String cancelReason, List<Event> events) {

    /** A put (creation or update) or a deletion of one key. A deletion's value is empty. */
    public record Event(boolean deleted, KeyValue kv) {
    }
}
