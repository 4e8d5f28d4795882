package io.turnout.engine.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits on a condition with a deadline, polling every 10 ms. This is the only way tests
 * synchronise with the proxy and the backends: a fixed sleep is either too short on a loaded CI
 * machine or wastes time everywhere else.
 *
 * <p>A condition that throws a {@link RuntimeException} (for example, a connection refused while
 * the proxy is still starting) counts as "not yet"; the last such exception becomes the cause of
 * the timeout error.
 */
public final class Await {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 10;

    private Await() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition);
    }

    /** Returns as soon as {@code condition} holds; fails naming {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        value(what, timeout, condition::getAsBoolean, Boolean.TRUE::equals);
    }

    public static <T> T value(String what, Supplier<T> supplier, Predicate<? super T> accept) {
        return value(what, DEFAULT_TIMEOUT, supplier, accept);
    }

    /** Polls {@code supplier} until {@code accept} holds for its value, and returns that value. */
    public static <T> T value(String what, Duration timeout, Supplier<T> supplier, Predicate<? super T> accept) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException lastFailure = null;
        while (true) {
            try {
                last = supplier.get();
                lastFailure = null;
                if (accept.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String detail = lastFailure != null ? "last attempt threw " + lastFailure : "last value: " + last;
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for: " + what
                        + " (" + detail + ")", lastFailure);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for: " + what, e);
            }
        }
    }
}
