package io.turnout.admin.store;

/**
 * An etcd call failed. {@link #unreachable()} says no member could be asked, or none answered;
 * otherwise etcd answered with an error. {@link #uncertain()} says a write may have been applied
 * even so: it reached a member that then failed before answering.
 */
public final class EtcdException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean unreachable;
    private final boolean uncertain;

    EtcdException(String message, boolean unreachable, boolean uncertain, Throwable cause) {
        super(message, cause);
        this.unreachable = unreachable;
        this.uncertain = uncertain;
    }

    public boolean unreachable() {
        return unreachable;
    }

    public boolean uncertain() {
        return uncertain;
    }
}
