package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;

/**
 * What {@code attach <pid>} and {@code status <pid>} share before and while they talk to another JVM: reading the
 * PID, refusing what cannot work (no such process, another user's, not a JVM) before anything is sent, and turning
 * I/O failures into the CLI's exit codes. Every message is one line on stderr, prefixed with the command's name.
 *
 * <p>A process that is neither a listed JVM nor a {@code java} launcher is never attached to: HotSpot's attach
 * sends it SIGQUIT, which would kill a process that is not a JVM.
 */
final class TargetJvm {

    /** A PID that was not accepted (the message is printed). */
    static final long NO_PID = -1;

    private final String command;
    private final PrintStream err;

    TargetJvm(String command, PrintStream err) {
        this.command = command;
        this.err = err;
    }

    /**
     * The PID in {@code rest.get(0)}, or {@link #NO_PID} after printing why not (missing, not a number, not positive,
     * this command's own).
     *
     * @param usage the command's synopsis for the "missing" message, e.g. {@code attach <pid> [ARGS]}
     * @param self  what to suggest instead when the PID is this command's own
     */
    long pid(List<String> rest, String usage, String self) {
        if (rest.isEmpty()) {
            fail(CliExitStatus.USAGE, "missing <pid> (usage: " + usage + "; see list)");
            return NO_PID;
        }
        long pid;
        try {
            pid = Long.parseLong(rest.get(0));
        } catch (NumberFormatException e) {
            fail(CliExitStatus.USAGE, "invalid pid '" + rest.get(0) + "': not a number");
            return NO_PID;
        }
        if (pid <= 0) {
            fail(CliExitStatus.USAGE, "invalid pid '" + rest.get(0) + "': must be positive");
            return NO_PID;
        }
        if (pid == ProcessHandle.current().pid()) {
            fail(CliExitStatus.USAGE, "pid " + pid + " is this command itself; " + self);
            return NO_PID;
        }
        return pid;
    }

    /** Refuses what cannot work, with the reason, before the target is touched; {@link CliExitStatus#OK} if it may. */
    int check(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return fail(CliExitStatus.NO_SUCH_JVM, "no process with pid " + pid);
        }
        String me = System.getProperty("user.name");
        Optional<String> owner = handle.get().info().user();
        if (owner.isPresent() && me != null && !owner.get().equals(me)) {
            return fail(CliExitStatus.PERMISSION_DENIED, "process " + pid + " belongs to user '" + owner.get()
                    + "', this command runs as '" + me + "'; run " + command + " as '" + owner.get() + "' (e.g. sudo -u "
                    + owner.get() + " ...)");
        }
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(Long.toString(pid))) {
                return CliExitStatus.OK;
            }
        }
        Optional<String> cmd = handle.get().info().command();
        boolean looksLikeJava = cmd.isPresent() && (cmd.get().endsWith("/java") || cmd.get().equals("java"));
        if (looksLikeJava) {
            // not listed (e.g. -XX:-UsePerfData, or another container's /tmp) but a java launcher: HotSpot's attach
            // may still work, and a JVM survives the SIGQUIT that starts it
            return CliExitStatus.OK;
        }
        return fail(CliExitStatus.NO_SUCH_JVM, "process " + pid + " is not a Java VM (" + cmd.orElse("command unknown")
                + "); see list. Nothing was sent to it (a JVM with its own launcher and -XX:-UsePerfData cannot be"
                + " recognised: give it -javaagent instead)");
    }

    /** An I/O failure while attaching to ({@code what}: "attach to", "talk to") JVM {@code pid}, as an exit code. */
    int ioFailure(long pid, String what, IOException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("permission denied") || lower.contains("operation not permitted")
                || lower.contains("owned by")) {
            return fail(CliExitStatus.PERMISSION_DENIED, "not permitted to " + what + " JVM " + pid + ": " + m);
        }
        if (lower.contains("no such process") || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return fail(CliExitStatus.NO_SUCH_JVM, "JVM " + pid + " is gone: " + m);
        }
        return fail(CliExitStatus.FAILURE, "cannot " + what + " JVM " + pid + ": " + e);
    }

    /** Prints {@code session-server-manager: <command>: <message>} (one line) and returns {@code code}. */
    int fail(int code, String message) {
        err.println(AgentArguments.MESSAGE_PREFIX + command + ": " + message.replace('\n', ' '));
        return code;
    }
}
