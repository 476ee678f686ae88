package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Decides whether a string names a PID that this tool may ever signal.
 *
 * <p>Accepted: a plain positive decimal (ASCII digits only, no sign, no leading zero, no whitespace inside)
 * greater than 1, at most {@code /proc/sys/kernel/pid_max} (4194304 where that file is absent), and neither
 * the running JVM's own PID nor its parent's. Everything else is rejected with a message that quotes the value:
 * {@code kill(-1, SIGTERM)} signals every process the user owns, {@code 0} the caller's whole process group and
 * {@code 1} is init.
 *
 * <p>Stateless and thread-safe.
 */
public final class PidValidator {

    static final long FALLBACK_PID_MAX = 4_194_304L;
    private static final Path PID_MAX_FILE = Paths.get("/proc/sys/kernel/pid_max");

    private PidValidator() {
    }

    /**
     * Parses {@code text} as a PID this tool may act on.
     *
     * @param text the candidate, for example the first line of a PID file (surrounding whitespace is trimmed)
     * @return the PID
     * @throws InvalidPidException naming the value and why it is refused
     */
    public static long parse(String text) throws InvalidPidException {
        if (text == null) {
            throw new InvalidPidException("PID is missing");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new InvalidPidException("PID is empty");
        }
        if (s.length() > 19) {
            throw new InvalidPidException("PID '" + abbreviate(s) + "' is too long to be a process id");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new InvalidPidException("PID '" + abbreviate(s) + "' is not a plain positive decimal number");
            }
        }
        if (s.length() > 1 && s.charAt(0) == '0') {
            throw new InvalidPidException("PID '" + s + "' has a leading zero");
        }
        long pid;
        try {
            pid = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new InvalidPidException("PID '" + s + "' is out of range");
        }
        return check(pid);
    }

    /**
     * Checks a numeric PID with the same rules as {@link #parse(String)}.
     *
     * @return {@code pid}
     * @throws InvalidPidException naming the value and why it is refused
     */
    public static long check(long pid) throws InvalidPidException {
        if (pid <= 1) {
            throw new InvalidPidException("PID " + pid + " is never a managed server (must be greater than 1)");
        }
        long max = pidMax();
        if (pid > max) {
            throw new InvalidPidException("PID " + pid + " is above the system's pid_max (" + max + ")");
        }
        ProcessHandle self = ProcessHandle.current();
        if (pid == self.pid()) {
            throw new InvalidPidException("PID " + pid + " is this JVM's own PID");
        }
        if (self.parent().map(p -> p.pid() == pid).orElse(false)) {
            throw new InvalidPidException("PID " + pid + " is the parent of this JVM");
        }
        return pid;
    }

    /** The largest PID the kernel hands out: {@code /proc/sys/kernel/pid_max}, else 4194304. */
    static long pidMax() {
        try {
            return Long.parseLong(new String(ProcFs.read(PID_MAX_FILE), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException | SecurityException e) {
            return FALLBACK_PID_MAX;
        }
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "...";
    }

    /** A PID that must not be acted on; the message quotes the value and says why. */
    public static final class InvalidPidException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidPidException(String message) {
            super(message);
        }
    }
}
