package io.turnout.admin.docker;

/**
 * One line of an image pull's progress stream, e.g. {@code {"status":"Downloading",
 * "progress":"[==>  ] 1.2MB/3MB","id":"a1b2c3"}}. {@code id} (a layer) and {@code progress} may
 * be empty.
 */
public record PullProgress(String id, String status, String progress) {
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (!id.isEmpty()) {
            sb.append(id).append(": ");
        }
        sb.append(status);
        if (!progress.isEmpty()) {
            sb.append(' ').append(progress);
        }
        return sb.toString();
    }
}
