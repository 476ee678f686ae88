package dev.omega.sessionserver.process;

import java.util.Optional;

/**
 * The signals an operator may send to a running server's process tree ({@code signal(String)} over JMX, the
 * {@code signal} command): the ones servers use for something other than ending. Stopping is the stop's business
 * (its own signal, the stop timeout, SIGKILL), so TERM, INT and KILL are not here, and neither is STOP (a stopped
 * server cannot be health-checked or stopped gracefully). Names are spelled as {@code stopSignal}'s
 * ({@link StopSignal#parse(String)}): with or without {@code SIG}, in any case, surrounding blanks ignored.
 */
public enum OperatorSignal {
    /** SIGHUP (1): reload the configuration, reopen logs (nginx, many daemons). */
    HUP(1),
    /** SIGUSR1 (10 on Linux): server-defined (node's inspector, nginx's log reopening). */
    USR1(10),
    /** SIGUSR2 (12 on Linux): server-defined (PM2-style graceful reloads). */
    USR2(12),
    /** SIGQUIT (3): a JVM server prints a thread dump to its log and keeps running. */
    QUIT(3),
    /** SIGWINCH (28 on Linux): server-defined (nginx: shut its workers down gracefully). */
    WINCH(28);

    private final int linuxNumber;

    OperatorSignal(int linuxNumber) {
        this.linuxNumber = linuxNumber;
    }

    /** The signal's name with the {@code SIG} prefix: {@code SIGHUP}. */
    public String signalName() {
        return "SIG" + name();
    }

    /** The signal's number on Linux (what a pidfd is sent). */
    public int linuxNumber() {
        return linuxNumber;
    }

    /**
     * The operator signal {@code text} names ({@code HUP}, {@code sighup}, {@code " SIGHUP "}); empty for anything
     * else: TERM, INT, KILL, STOP, numbers, garbage.
     */
    public static Optional<OperatorSignal> parse(String text) {
        return StopSignal.byName(values(), text);
    }

    /**
     * {@link #parse(String)}, or an {@link IllegalArgumentException} that quotes {@code text} and names the allowed
     * signals (and, for a stopping signal, the operation to use instead).
     */
    public static OperatorSignal parseOrThrow(String text) {
        Optional<OperatorSignal> s = parse(text);
        if (s.isPresent()) {
            return s.get();
        }
        String t = StopSignal.canonicalName(text);
        boolean stopping = t.equals("TERM") || t.equals("INT") || t.equals("KILL");
        throw new IllegalArgumentException("invalid signal '" + text + "': allowed are " + names()
                + " (with or without SIG, in any case)" + (stopping ? "; to stop the server use stop()"
                        : t.equals("STOP") ? "; SIGSTOP would freeze the server: use stop() to end it" : ""));
    }

    /** {@code HUP, USR1, USR2, QUIT or WINCH}: the accepted names, for messages. */
    public static String names() {
        return StopSignal.joinNames(values());
    }
}
