package io.turnout.admin.docker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ContainerRequestTest {
    @ParameterizedTest(name = "image {0} tag {1} -> {2} (pull {3} {4})")
    @CsvSource(nullValues = "null", value = {
            "wordpress,          3.9.2, wordpress:3.9.2,             wordpress,            3.9.2",
            "wordpress,          null,  wordpress:latest,            wordpress,            latest",
            "wordpress,          '',    wordpress:latest,            wordpress,            latest",
            "busybox:1.36,       null,  busybox:1.36,                busybox,              1.36",
            "localhost:5000/app, null,  localhost:5000/app:latest,   localhost:5000/app,   latest",
            "localhost:5000/app:2, null, localhost:5000/app:2,       localhost:5000/app,   2",
            "app@sha256:abc,     null,  app@sha256:abc,              app@sha256:abc,       ''",
    })
    void imageAndTagMakeTheReferenceAndThePullArguments(String image, String tag, String reference, String repository,
                                                         String pullTag) {
        ContainerRequest r = new ContainerRequest(image, tag, 80, null, null, null, false, null);
        assertEquals(reference, r.reference());
        assertEquals(repository, r.repository());
        assertEquals(pullTag == null ? "" : pullTag, r.pullTag());
    }

    @Test
    void readyTimeoutDefaultsToSixtySeconds() {
        assertEquals(Duration.ofSeconds(60), ContainerRequest.of("app", "1", 80).readyTimeout());
    }

    @Test
    void portToProxyOutOfRangeNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContainerRequest.of("app", "1", 0));
        assertEquals("containers[].portToProxy must be 1-65535, was 0", e.getMessage());
    }
}
