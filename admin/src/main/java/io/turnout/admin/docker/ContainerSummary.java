package io.turnout.admin.docker;

import java.util.List;
import java.util.Map;

/** One row of {@code GET /containers/json}. {@code names} are without the leading {@code /}. */
public record ContainerSummary(String id, List<String> names, String image, String state, Map<String, String> labels) {
}
