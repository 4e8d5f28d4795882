package io.turnout.engine.testsupport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        Await.until("third poll", Duration.ofSeconds(2), () -> polls.incrementAndGet() >= 3);
        assertEquals(3, polls.get());
    }

    @Test
    void failsNamingWhatItWaitedFor() {
        AssertionError error = assertThrows(AssertionError.class,
                () -> Await.until("the moon to turn blue", Duration.ofMillis(50), () -> false));
        assertTrue(error.getMessage().contains("the moon to turn blue"), error.getMessage());
    }

    @Test
    void valueReturnsTheFirstAcceptedValue() {
        AtomicInteger counter = new AtomicInteger();
        int value = Await.value("counter reaches 5", Duration.ofSeconds(2), counter::incrementAndGet, v -> v >= 5);
        assertEquals(5, value);
    }

    @Test
    void exceptionsCountAsNotYetAndBecomeTheCause() {
        AtomicInteger polls = new AtomicInteger();
        Await.until("recovers after failures", Duration.ofSeconds(2), () -> {
            if (polls.incrementAndGet() < 3) {
                throw new IllegalStateException("not up yet");
            }
            return true;
        });
        AssertionError error = assertThrows(AssertionError.class, () -> Await.until("never up", Duration.ofMillis(30),
                () -> {
                    throw new IllegalStateException("refused");
                }));
        assertInstanceOf(IllegalStateException.class, error.getCause());
    }
}
