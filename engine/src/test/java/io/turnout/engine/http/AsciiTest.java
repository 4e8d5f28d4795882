package io.turnout.engine.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one control-character rule, shared by the engine's parsers and the admin module's messages. */
class AsciiTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "NUL,                  0x00, true",
            "HTAB (callers allow it where RFC 9110 does), 0x09, true",
            "US,                   0x1f, true",
            "SP,                   0x20, false",
            "tilde,                0x7e, false",
            "DEL (RFC 5234 CTL),   0x7f, true",
            "obs-text unsigned,    0x80, false",
            "obs-text unsigned,    0xff, false",
            "obs-text signed byte, -0x80, false",
            "obs-text signed byte, -0x01, false",
            "e acute as a char,    0xe9, false",
    })
    void aControlIsC0OrDelAndNothingElse(String name, String value, boolean control) {
        assertEquals(control, Ascii.isControl(Integer.decode(value)), name);
    }

    @Test
    void printableReplacesControlsAndKeepsTheRest() {
        assertEquals("a??b?c é", Ascii.printable("a\r\nb\u007fc é"));
    }

    @Test
    void printableCutsLongTextAfterAHundredCharacters() {
        assertEquals("x".repeat(100) + "...", Ascii.printable("x".repeat(101)));
        assertEquals("x".repeat(100), Ascii.printable("x".repeat(100)));
    }
}
