package io.turnout.engine.testsupport;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Digests and the generated bodies whose digests tests compare. */
class DigestsTest {

    private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void matchesTheStandardTestVector() {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ABC_SHA256, Digests.sha256Hex(abc));
        assertEquals(ABC_SHA256, Digests.sha256Hex(new ByteArrayInputStream(abc)));
        Digests.Sha256Sink sink = Digests.sha256Sink();
        sink.write('a');
        sink.write("bc".getBytes(StandardCharsets.US_ASCII), 0, 2);
        assertEquals(ABC_SHA256, sink.hex());
        assertEquals(3, sink.count());
    }

    @Test
    void generatedBodyIsTheSameHoweverItIsRead() {
        byte[] whole = GeneratedBody.bytes(10_000, 42);
        GeneratedBody body = new GeneratedBody(10_000, 42);
        byte[] pieces = new byte[10_000];
        int offset = 0;
        for (int size = 1; offset < pieces.length; size = size % 13 + 1) {
            offset += body.read(pieces, offset, Math.min(size, pieces.length - offset));
        }
        assertArrayEquals(whole, pieces);
        assertEquals(-1, body.read());
        assertEquals(Digests.sha256Hex(whole), TestBackend.digestOfGenerated(10_000, 42));
        assertFalse(Digests.sha256Hex(whole).equals(Digests.sha256Hex(GeneratedBody.bytes(10_000, 43))));
    }
}
