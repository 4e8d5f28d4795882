package io.turnout.engine.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VersionOrderTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
            "1.10, 1.9, 1",
            "13, 3, 1",
            "03, 3, 0",
            "1.0, 1.0, 0",
            "2.0, 10.0, -1",
            "1.0-beta, 1.0-alpha, 1",
            "release-2, release-10, -1",
            "v1.2.3, v1.2.3a, -1",
            "1.0, 1.0.1, -1",
            "99999999999999999999, 100000000000000000000, -1",
            "0.0, 0, 1",
            "abc, abd, -1",
    })
    void comparesDigitRunsAsNumbersAndTheRestAsText(String a, String b, int expected) {
        assertEquals(expected, Integer.signum(VersionOrder.INSTANCE.compare(a, b)));
        assertEquals(-expected, Integer.signum(VersionOrder.INSTANCE.compare(b, a)));
    }
}
