package io.turnout.engine.net;

import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.ServerCursor;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CONCURRENT from the client exchange's side (SPEC §2): P's {@link ShadowExchange} while it can
 * still answer for L, then, once L answers, the digest of L's body that P's is compared with.
 * One per exchange, reset per request; only CONCURRENT requests allocate (their shadow).
 */
final class ConcurrentPair {
    private final SelectorLoop loop;
    private final ServerCursor cursor = new ServerCursor();
    private ShadowExchange shadow;
    private ShadowExchange comparing;
    private CRC32C digest;
    /** L's final head was accepted; its status and Content-Type wait for P's to compare with. */
    private boolean primaryAccepted;
    private int primaryStatus;
    private long primaryContentType;

    ConcurrentPair(SelectorLoop loop) {
        this.loop = loop;
    }

    /**
     * Sends the request to P too, when the whole of it, head and body, is at hand to copy; a
     * streamed body goes to L only. Returns whether P was asked.
     */
    boolean start(Exchange exchange, RouteDecision route, boolean headRequest, ByteBuffer head, ByteBuffer body,
                  int bodyFrom, long bodyLength, boolean chunked) {
        shadow = null;
        comparing = null;
        primaryAccepted = false;
        if (chunked || body.limit() - bodyFrom < bodyLength) {
            return false;
        }
        cursor.begin(route.shadow(), null, route.shadow().state().nextRoundRobin());
        ShadowExchange started = new ShadowExchange(loop, exchange, route.newest(), route.shadow(), headRequest);
        if (!started.start(cursor.next(), head, body, bodyFrom, bodyFrom + (int) bodyLength)) {
            return false;
        }
        shadow = started;
        return true;
    }

    /** Whether P can still answer the client in L's place. */
    boolean canAnswer() {
        return shadow != null && shadow.isAlive();
    }

    /** L failed: P answers as soon as its head is here (or has failed, and says so). */
    void promote() {
        ShadowExchange promoted = shadow;
        shadow = null;
        promoted.promoteWhenReady();
    }

    /**
     * L's final head arrived and is accepted: L's body is digested from now on. P stays able to
     * answer until a byte of L's response reaches the client ({@link #primaryCommitted}), so a
     * held head whose server dies before its body still gets P's answer. Returns the digest L's
     * body is to be fed to, or null when there is nothing to compare.
     */
    CRC32C primaryAnswers(ResponseHead head) {
        if (shadow == null) {
            return null;
        }
        primaryStatus = head.status();
        primaryContentType = head.contentTypeHash();
        primaryAccepted = true;
        if (digest == null) {
            digest = new CRC32C();
        }
        digest.reset();
        return digest;
    }

    /** A byte of L's accepted response reached the client: P's answer is only compared now. */
    void primaryCommitted() {
        if (primaryAccepted && shadow != null) {
            comparing = shadow;
            shadow = null;
            comparing.primaryWon(primaryStatus, primaryContentType);
        }
        primaryAccepted = false;
    }

    /** L's body ended: P's is compared with it once it has ended too. */
    void primaryEnded(long bodyLength) {
        primaryCommitted();
        if (comparing != null) {
            comparing.primaryEnded(digest.getValue(), bodyLength);
            comparing = null;
        }
    }

    /** L's answer was cut short, or never came: nothing is compared, and P need not answer. */
    void abandon() {
        if (shadow != null) {
            shadow.abandon();
            shadow = null;
        }
        comparing = null;
    }

    /** L's try failed: an answer cut short is not compared; P, if still held, can answer. */
    void primaryCut() {
        primaryAccepted = false;
        comparing = null;
    }
}
