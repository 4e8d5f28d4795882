package io.turnout.admin.store;

/**
 * One key as etcd reports it (mvccpb.KeyValue). Revisions are etcd's store revisions: the key was
 * created at {@code createRevision} and last written at {@code modRevision}. A key-only read or a
 * deletion event carries an empty value.
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {
}
