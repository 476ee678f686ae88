package dev.omega.sessionserver.process;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.OptionalLong;

import dev.omega.sessionserver.testing.Procs;

/**
 * The PID file rules written out from their contracts ({@link PidFile}, {@link PidValidator},
 * {@link ProcessIdentity#sameProcessAs}, {@link PidFileCheck}), as the oracle of the properties: what a file with
 * these bytes must decide. It reads the kernel's view with the tests' own {@link Procs}, not with the code under test.
 *
 * <ul>
 * <li>No file: {@code NONE}. More than 4096 bytes: {@code STALE}.</li>
 * <li>The first line (up to {@code \n} or {@code \r\n}), without surrounding whitespace, must be a plain decimal
 * without sign or leading zero, greater than 1, at most {@code pid_max}, neither this JVM nor its parent: else
 * {@code STALE}.</li>
 * <li>Later lines {@code start-ticks=}, {@code start-millis=} (whole numbers, else {@code STALE}) and {@code boot-id=}
 * record the identity (the last one of each wins); other lines are ignored. A negative number records nothing.</li>
 * <li>The PID not running (or a zombie): {@code STALE}. Running, without identity: {@code FOREIGN} (the properties
 * configure a command that no process runs). With identity: {@code MANAGED} only when it is the live process's (start
 * ticks and boot id equal; without both, start times within 1000 ms), else {@code STALE}.</li>
 * </ul>
 */
final class PidFileSpec {

    static final int MAX_BYTES = 4096;
    static final long TOLERANCE_MILLIS = 1000;
    private static final long SELF = ProcessHandle.current().pid();
    private static final long PARENT = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    private static final long PID_MAX = Procs.pidMax();

    private PidFileSpec() {
    }

    /** What the identity lines record; {@code garbled} when a number is not one. */
    static final class Recorded {
        long ticks = -1;
        long millis = -1;
        String boot;
        boolean garbled;

        boolean hasIdentity() {
            return ticks >= 0 || millis >= 0;
        }

        boolean isOf(Live live) {
            if (ticks >= 0 && boot != null) {
                return ticks == live.ticks && boot.equals(live.boot);
            }
            return millis >= 0 && Math.abs(millis - live.millis) <= TOLERANCE_MILLIS;
        }
    }

    /** A running process as the kernel shows it. */
    static final class Live {
        final long pid;
        final long ticks;
        final String boot;
        final long millis;

        Live(long pid, long ticks, String boot, long millis) {
            this.pid = pid;
            this.ticks = ticks;
            this.boot = boot;
            this.millis = millis;
        }

        /** The process {@code pid} when it runs (not a zombie). */
        static Optional<Live> of(long pid) {
            return Procs.stat(pid).filter(s -> !s.exited())
                    .map(s -> new Live(pid, s.startTicks, Procs.bootId(), bootMillis() + s.startTicks * 10));
        }
    }

    /** The decision for a file with {@code bytes} ({@code null}: no file). */
    static PidFileCheck.Result.Kind decision(byte[] bytes) {
        if (bytes == null) {
            return PidFileCheck.Result.Kind.NONE;
        }
        if (bytes.length > MAX_BYTES) {
            return PidFileCheck.Result.Kind.STALE;
        }
        String[] lines = lines(bytes);
        OptionalLong pid = acceptedPid(lines[0]);
        Recorded recorded = recorded(lines);
        if (pid.isEmpty() || recorded.garbled) {
            return PidFileCheck.Result.Kind.STALE;
        }
        Optional<Live> live = Live.of(pid.getAsLong());
        if (live.isEmpty()) {
            return PidFileCheck.Result.Kind.STALE;
        }
        if (!recorded.hasIdentity()) {
            return PidFileCheck.Result.Kind.FOREIGN;
        }
        return recorded.isOf(live.get()) ? PidFileCheck.Result.Kind.MANAGED : PidFileCheck.Result.Kind.STALE;
    }

    static String[] lines(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).split("\r?\n", -1);
    }

    /** The PID a first line names, when it is one that may be acted on. */
    static OptionalLong acceptedPid(String firstLine) {
        String s = firstLine.strip();
        if (s.isEmpty() || s.length() > 19 || s.charAt(0) == '0') {
            return OptionalLong.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        BigInteger value = new BigInteger(s);
        if (value.compareTo(BigInteger.ONE) <= 0 || value.compareTo(BigInteger.valueOf(PID_MAX)) > 0) {
            return OptionalLong.empty();
        }
        long pid = value.longValueExact();
        return pid == SELF || pid == PARENT ? OptionalLong.empty() : OptionalLong.of(pid);
    }

    /** The identity the lines after the first record. */
    static Recorded recorded(String[] lines) {
        Recorded r = new Recorded();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).trim();
            String value = line.substring(eq + 1).trim();
            try {
                if (key.equals("start-ticks")) {
                    r.ticks = Long.parseLong(value);
                } else if (key.equals("start-millis")) {
                    r.millis = Long.parseLong(value);
                } else if (key.equals("boot-id")) {
                    r.boot = value;
                }
            } catch (NumberFormatException e) {
                r.garbled = true;
                return r;
            }
        }
        return r;
    }

    /** Boot time, epoch milliseconds ({@code btime} of {@code /proc/stat}). */
    static long bootMillis() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).trim()) * 1000;
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no btime in /proc/stat");
    }
}
