package dev.omega.sessionserver.process;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A PID together with what makes it one particular process: the kernel's start time and the boot it belongs to.
 * A PID alone is not trusted (PIDs are reused); like the JDK's {@code ProcessHandleImpl}, this tool only acts on a
 * PID whose start time still matches the one recorded when the server was spawned.
 *
 * <p>On Linux the start time is {@code /proc/<pid>/stat} field 22 (clock ticks since boot) plus
 * {@code /proc/sys/kernel/random/boot_id}: an exact match. Elsewhere (macOS) it falls back to
 * {@link ProcessHandle.Info#startInstant()} compared with a tolerance of {@value #START_INSTANT_TOLERANCE_MS} ms.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProcessIdentity {

    static final long START_INSTANT_TOLERANCE_MS = 1_000;

    private final long pid;
    private final long startTicks; // -1 when unknown
    private final String bootId; // null when unknown
    private final long startEpochMillis; // -1 when unknown

    ProcessIdentity(long pid, long startTicks, String bootId, long startEpochMillis) {
        this.pid = pid;
        this.startTicks = startTicks;
        this.bootId = bootId;
        this.startEpochMillis = startEpochMillis;
    }

    /**
     * The identity of the live process {@code pid} as the kernel reports it now.
     *
     * @return empty when no such process exists, it has already exited (a zombie), or nothing identifies it
     */
    public static Optional<ProcessIdentity> of(long pid) {
        if (ProcFs.available()) {
            Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
            if (stat.isEmpty() || stat.get().exited()) {
                return Optional.empty();
            }
            long boot = ProcFs.bootEpochMillis();
            long ticks = stat.get().startTicks;
            long millis = boot < 0 ? -1 : boot + ticks * 1000 / ProcFs.TICKS_PER_SECOND;
            return Optional.of(new ProcessIdentity(pid, ticks, ProcFs.bootId().orElse(null), millis));
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return Optional.empty();
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return start.map(s -> new ProcessIdentity(pid, -1, null, s.toEpochMilli()));
    }

    public long pid() {
        return pid;
    }

    /** Start time in clock ticks since boot, or -1 when unknown (no {@code /proc}). */
    public long startTicks() {
        return startTicks;
    }

    /** The boot id this start time belongs to, or empty when unknown. */
    public Optional<String> bootId() {
        return Optional.ofNullable(bootId);
    }

    /** Start time as epoch milliseconds (10 ms resolution on Linux), or -1 when unknown. */
    public long startEpochMillis() {
        return startEpochMillis;
    }

    /**
     * Whether {@code live} (what the kernel reports now for the same PID) is the process this identity recorded.
     * Exact on Linux (ticks and boot id); otherwise start instants within the tolerance. Unknown fields never match.
     */
    public boolean sameProcessAs(ProcessIdentity live) {
        if (live == null || live.pid != pid) {
            return false;
        }
        if (startTicks >= 0 && live.startTicks >= 0 && bootId != null && live.bootId != null) {
            return startTicks == live.startTicks && bootId.equals(live.bootId);
        }
        if (startEpochMillis >= 0 && live.startEpochMillis >= 0) {
            return Math.abs(startEpochMillis - live.startEpochMillis) <= START_INSTANT_TOLERANCE_MS;
        }
        return false;
    }

    /**
     * Whether the process this identity names is alive now (not exited, not a zombie, PID not reused). Where the
     * pidfd layer holds the process ({@link PidfdSupport}) this is the waiter's event, with no system call; else one
     * read of {@code /proc/<pid>/stat}.
     */
    public boolean isAlive() {
        if (startTicks >= 0) {
            Optional<PidfdProcesses> layer = PidfdSupport.layer();
            if (layer.isPresent()) {
                Optional<PidfdProcess> held = layer.get().held(pid, startTicks);
                if (held.isPresent()) {
                    return !held.get().hasExited();
                }
            }
        }
        return of(pid).map(this::sameProcessAs).orElse(false);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProcessIdentity)) {
            return false;
        }
        ProcessIdentity other = (ProcessIdentity) o;
        return pid == other.pid && startTicks == other.startTicks && Objects.equals(bootId, other.bootId)
                && startEpochMillis == other.startEpochMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(pid, startTicks, bootId, startEpochMillis);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (start ticks " + startTicks + ", boot " + bootId + ")";
    }
}
