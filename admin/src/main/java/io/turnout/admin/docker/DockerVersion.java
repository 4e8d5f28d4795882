package io.turnout.admin.docker;

/** What {@code GET /version} says about the engine. */
public record DockerVersion(String version, String apiVersion, String minApiVersion, String os, String arch) {
}
