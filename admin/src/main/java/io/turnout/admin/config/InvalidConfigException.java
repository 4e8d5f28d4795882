package io.turnout.admin.config;

/**
 * A user error in a cluster body or the config file: one line that names the field and says how
 * to fix it, such as {@code cluster.servers[1].port: must be 1-65535, was 70000}. It carries no
 * stack trace because the user should never see one; callers print {@link #getMessage()}.
 */
public final class InvalidConfigException extends RuntimeException {
    private final String field;
    private final String reason;

    /**
     * @param field the path of the offending field ({@code cluster.servers[1].port}), or the
     *              document's label ({@code body}) for a syntax error, or {@code null}
     * @param reason what is wrong and how to fix it
     */
    public InvalidConfigException(String field, String reason) {
        super(field == null || field.isEmpty() ? reason : field + ": " + reason, null, false, false);
        this.field = field;
        this.reason = reason;
    }

    /** The field path, the document label, or {@code null}. */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
