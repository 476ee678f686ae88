package dev.omega.sessionserver.process;

import java.util.Locale;
import java.util.Optional;

/**
 * The signal that begins a stop ({@code stopSignal}): sent to the server's whole process tree, followed by SIGCONT
 * to members stopped by a signal and, after the stop timeout, by SIGKILL to whatever is left. {@link #TERM} is the
 * default; servers that stop gracefully on another signal (PM2's SIGINT, nginx-style SIGQUIT) name it.
 */
public enum StopSignal {
    /** SIGTERM (15), the default. */
    TERM(15),
    /** SIGINT (2), what PM2 sends. */
    INT(2),
    /** SIGHUP (1). */
    HUP(1),
    /** SIGQUIT (3), a graceful stop for nginx-style servers. */
    QUIT(3),
    /** SIGUSR1 (10 on Linux). */
    USR1(10),
    /** SIGUSR2 (12 on Linux). */
    USR2(12);

    private final int linuxNumber;

    StopSignal(int linuxNumber) {
        this.linuxNumber = linuxNumber;
    }

    /** The signal's name with the {@code SIG} prefix: {@code SIGTERM}. */
    public String signalName() {
        return "SIG" + name();
    }

    /** The signal's number on Linux (USR1 and USR2 differ on other systems: they are sent by name). */
    public int linuxNumber() {
        return linuxNumber;
    }

    /**
     * The signal a text names: {@code TERM}, {@code INT}, {@code HUP}, {@code QUIT}, {@code USR1}, {@code USR2}, with
     * or without the {@code SIG} prefix, in any case ({@code int}, {@code SIGint} and {@code SIGINT} are the same);
     * surrounding whitespace is ignored. Empty for anything else (numbers included).
     */
    public static Optional<StopSignal> parse(String text) {
        return byName(values(), text);
    }

    /** The constant of {@code all} that {@code text} names under {@link #canonicalName(String)}; empty when none. */
    static <E extends Enum<E>> Optional<E> byName(E[] all, String text) {
        String t = canonicalName(text);
        for (E s : all) {
            if (s.name().equals(t)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * The spelling rule every signal name of this tool follows ({@code stopSignal}, {@link OperatorSignal}): the
     * text trimmed, upper-cased and without a leading {@code SIG}; {@code ""} for null.
     */
    static String canonicalName(String text) {
        if (text == null) {
            return "";
        }
        String t = text.trim().toUpperCase(Locale.ROOT);
        return t.startsWith("SIG") ? t.substring(3) : t;
    }

    /** {@code TERM, INT, HUP, QUIT, USR1 or USR2}: the accepted names, for messages. */
    public static String names() {
        return joinNames(values());
    }

    /** The names of {@code all}, joined for a message: {@code A, B or C}. */
    static String joinNames(Enum<?>[] all) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].name());
        }
        return sb.toString();
    }
}
