package io.turnout.engine.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkScannerTest {

    @Test
    void findsTheEndOfABodyFedOneByteAtATime() {
        String body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        ByteBuffer buf = RequestHeadTest.direct(body);
        ChunkScanner scanner = new ChunkScanner();
        int end = -2;
        for (int i = 0; i < buf.limit() && !scanner.isDone(); i++) {
            end = scanner.scan(buf, i, i + 1);
        }
        assertTrue(scanner.isDone());
        assertEquals(body.indexOf("NEXT"), end);
    }

    @Test
    void dataRemainingAnnouncesEachDataSpanAndNothingDuringFraming() {
        String body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
        ByteBuffer buf = RequestHeadTest.direct(body);
        ChunkScanner scanner = new ChunkScanner();
        StringBuilder data = new StringBuilder();
        int i = 0;
        while (!scanner.isDone()) {
            int span = (int) scanner.dataRemaining();
            if (span > 0) {
                for (int k = i; k < i + span; k++) {
                    data.append((char) buf.get(k));
                }
            }
            int next = i + Math.max(span, 1);
            assertEquals(next, scanner.scan(buf, i, next));
            i = next;
        }
        assertEquals("hello world", data.toString());
        assertEquals(body.length(), i);
        assertEquals(0, scanner.dataRemaining());
    }

    @Test
    void stopsAtTheMessageEndInsideOneRead() {
        String body = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
        ByteBuffer buf = RequestHeadTest.direct(body);
        ChunkScanner scanner = new ChunkScanner();
        assertEquals(body.indexOf("GET"), scanner.scan(buf, 0, buf.limit()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no digits|\\r\\n",
            "non-hex size|g\\r\\n",
            "sixteen digit size|1000000000000000\\r\\n",
            "bare LF after size|5\\nhello",
            "missing CRLF after data|3\\r\\nabcX",
            "negative size|-1\\r\\n",
            "bare LF in extension|1;a\\nb",
    })
    void rejectsMalformedChunks(String name, String escaped) {
        String body = escaped.replace("\\r", "\r").replace("\\n", "\n");
        ByteBuffer buf = RequestHeadTest.direct(body);
        ChunkScanner scanner = new ChunkScanner();
        assertEquals(ChunkScanner.ERROR, scanner.scan(buf, 0, buf.limit()));
        assertFalse(scanner.isDone());
    }
}
