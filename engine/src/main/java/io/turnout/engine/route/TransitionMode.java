package io.turnout.engine.route;

/** How requests move from the previous version P to the newest version L (SPEC §2). */
public enum TransitionMode {
    /** Every request goes to L. */
    INSTANT,
    /** A client pinned by its {@code dynsoftup} cookie stays on its cluster while it lives. */
    SESSION,
    /** A growing share of clients, chosen by the FNV-1 bucket of their {@code transition} cookie, move to L. */
    GRADUAL,
    /** Safe requests go to L and P in parallel; the client gets L's answer unless L fails. */
    CONCURRENT
}
