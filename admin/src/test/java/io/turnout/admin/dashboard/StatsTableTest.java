package io.turnout.admin.dashboard;

import io.turnout.engine.health.Event;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cells of turnoutctl's tables; the whole tables are golden in TurnoutctlTest. */
class StatsTableTest {

    @Test
    void aShareThatRoundsToNothingStillShows() {
        assertEquals("-", StatsTable.percent(Double.NaN));
        assertEquals("0%", StatsTable.percent(0));
        assertEquals("<1%", StatsTable.percent(0.001));
        assertEquals("1%", StatsTable.percent(0.005));
        assertEquals("100%", StatsTable.percent(1));
    }

    @Test
    void theTimeIsUtcToTheSecond() {
        assertEquals("2024-05-06T07:08:09Z", StatsTable.time(Instant.parse("2024-05-06T07:08:09.987654Z")));
    }

    @Test
    void controlCharactersCannotReachTheTerminal() {
        Event e = new Event(Instant.parse("2024-05-06T07:08:09Z"), Event.Type.PROBE_FAILED, null, null, "h:1",
                "probe failed (\u001b[2Jgone\u009b31m)");
        assertEquals("""
                TIME                  TYPE          VERSION  SERVER  REASON
                2024-05-06T07:08:09Z  PROBE_FAILED  -        h:1     probe failed (?[2Jgone?31m)
                """, StatsTable.events(List.of(e)));
    }
}
