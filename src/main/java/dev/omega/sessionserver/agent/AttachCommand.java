package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;

import dev.omega.sessionserver.jmx.SessionServerManager;

/**
 * {@code attach <pid> [ARGS]} and {@code list}: the only classes that touch {@code com.sun.tools.attach} (module
 * {@code jdk.attach}), so {@code run} works on a runtime without it.
 *
 * <p>{@code attach} checks everything it can before it touches the target: the arguments (parsed here with the same
 * parser as the agent), that the PID is a process, that it is a JVM this user may attach to. A process that is
 * neither a listed JVM nor a {@code java} launcher is never attached to: HotSpot's attach sends it SIGQUIT, which
 * would kill a process that is not a JVM.
 * Then it starts the target's local management agent (as JConsole does), loads this jar with the arguments (relative
 * paths made absolute here) and polls until the MBean is registered.
 */
final class AttachCommand {

    static final int DEADLINE_SECONDS = 15;
    private static final long POLL_MILLIS = 25;
    private static final long ERROR_POLL_MILLIS = 250;

    private final PrintStream out;
    private final PrintStream err;

    AttachCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int list() {
        long self = ProcessHandle.current().pid();
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(Long.toString(self))) {
                continue;
            }
            String name = d.displayName() == null || d.displayName().isEmpty() ? "(no name)" : d.displayName();
            out.println(d.id() + "\t" + name);
        }
        return ExitCodes.OK;
    }

    int execute(List<String> rest) {
        if (rest.isEmpty()) {
            return fail(ExitCodes.USAGE, "attach: missing <pid> (usage: attach <pid> [ARGS]; see list)");
        }
        long pid;
        try {
            pid = Long.parseLong(rest.get(0));
        } catch (NumberFormatException e) {
            return fail(ExitCodes.USAGE, "attach: invalid pid '" + rest.get(0) + "': not a number");
        }
        if (pid <= 0) {
            return fail(ExitCodes.USAGE, "attach: invalid pid '" + rest.get(0) + "': must be positive");
        }
        if (pid == ProcessHandle.current().pid()) {
            return fail(ExitCodes.USAGE, "attach: pid " + pid + " is this command itself; use run instead");
        }
        String text = Main.joinArguments(rest.subList(1, rest.size()));
        AgentArguments args;
        String forTarget;
        try {
            args = AgentArguments.parse(text);
            forTarget = AgentArguments.absolutize(text);
        } catch (AgentArgumentException e) {
            return fail(ExitCodes.INVALID_ARGUMENTS, e.getMessage());
        }
        Path jar = ownJar();
        if (jar == null) {
            return fail(ExitCodes.FAILURE, "attach: must run from the agent jar (java -jar session-server-manager-"
                    + "agent.jar attach ...); this code runs from " + codeSourceText());
        }
        int checked = checkTarget(pid);
        if (checked != ExitCodes.OK) {
            return checked;
        }
        return attach(pid, jar, args, forTarget);
    }

    /** Refuses what cannot work, with the reason, before the target is touched. */
    private int checkTarget(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return fail(ExitCodes.NO_SUCH_JVM, "attach: no process with pid " + pid);
        }
        String me = System.getProperty("user.name");
        Optional<String> owner = handle.get().info().user();
        if (owner.isPresent() && me != null && !owner.get().equals(me)) {
            return fail(ExitCodes.PERMISSION_DENIED, "attach: process " + pid + " belongs to user '" + owner.get()
                    + "', this command runs as '" + me + "'; run attach as '" + owner.get() + "' (e.g. sudo -u "
                    + owner.get() + " ...)");
        }
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(Long.toString(pid))) {
                return ExitCodes.OK;
            }
        }
        Optional<String> command = handle.get().info().command();
        boolean looksLikeJava = command.isPresent() && (command.get().endsWith("/java") || command.get().equals("java"));
        if (looksLikeJava) {
            // not listed (e.g. -XX:-UsePerfData, or another container's /tmp) but a java launcher: HotSpot's attach
            // may still work, and a JVM survives the SIGQUIT that starts it
            return ExitCodes.OK;
        }
        return fail(ExitCodes.NO_SUCH_JVM, "attach: process " + pid + " is not a Java VM ("
                + command.orElse("command unknown") + "); see list. Nothing was sent to it (a JVM with its own"
                + " launcher and -XX:-UsePerfData cannot be recognised: give it -javaagent instead)");
    }

    private int attach(long pid, Path jar, AgentArguments args, String forTarget) {
        long started = System.nanoTime();
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            return fail(ExitCodes.REFUSED, "attach: JVM " + pid + " does not accept attach: " + e.getMessage());
        } catch (IOException e) {
            return ioFailure(pid, "attach to", e);
        }
        try {
            ObjectName name = SessionServerManager.objectName(args.name());
            String address = vm.startLocalManagementAgent();
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                MBeanServerConnection connection = connector.getMBeanServerConnection();
                if (connection.isRegistered(name)) {
                    out.println("attach: " + name + " is already registered in JVM " + pid
                            + "; nothing loaded (use another name= to manage a second server)");
                    return ExitCodes.OK;
                }
                try {
                    vm.loadAgent(jar.toString(), forTarget);
                } catch (AgentLoadException e) {
                    return fail(ExitCodes.REFUSED, "attach: JVM " + pid + " refused the agent (" + e.getMessage()
                            + "): it disallows dynamically loaded agents; restart it with -javaagent:" + jar
                            + " or with -XX:+EnableDynamicAgentLoading");
                } catch (AgentInitializationException e) {
                    return fail(ExitCodes.AGENT_FAILED, "attach: the agent failed in JVM " + pid + ": "
                            + e.getMessage() + " (return value " + e.returnValue() + ")");
                }
                return awaitRegistration(pid, vm, connection, name, args.name(), started);
            }
        } catch (IOException e) {
            return ioFailure(pid, "talk to", e);
        } catch (Exception e) {
            return fail(ExitCodes.FAILURE, "attach: " + e);
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the target went away: nothing to release
            }
        }
    }

    private int awaitRegistration(long pid, VirtualMachine vm, MBeanServerConnection connection, ObjectName name,
            String serverName, long started) throws Exception {
        long deadline = started + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        long nextErrorCheck = 0;
        String errorKey = JavaAgent.ERROR_PROPERTY_PREFIX + serverName;
        while (true) {
            if (connection.isRegistered(name)) {
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                out.println("attached to JVM " + pid + ": " + name + " is registered (" + ms + " ms)");
                out.println("  connect: jconsole " + pid + "   or jmxterm: open " + pid);
                return ExitCodes.OK;
            }
            long now = System.nanoTime();
            if (now - nextErrorCheck >= 0) {
                Properties props = vm.getSystemProperties();
                String error = props.getProperty(errorKey);
                if (error != null) {
                    return fail(ExitCodes.AGENT_FAILED, "attach: the agent loaded into JVM " + pid
                            + " but could not register " + name + ": " + error + " (see the JVM's stderr)");
                }
                nextErrorCheck = now + TimeUnit.MILLISECONDS.toNanos(ERROR_POLL_MILLIS);
            }
            if (now - deadline >= 0) {
                return fail(ExitCodes.TIMEOUT, "attach: the agent loaded into JVM " + pid + " but " + name
                        + " did not appear within " + DEADLINE_SECONDS + " s (see the JVM's stderr)");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private int ioFailure(long pid, String what, IOException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("permission denied") || lower.contains("operation not permitted")
                || lower.contains("owned by")) {
            return fail(ExitCodes.PERMISSION_DENIED, "attach: not permitted to " + what + " JVM " + pid + ": " + m);
        }
        if (lower.contains("no such process") || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return fail(ExitCodes.NO_SUCH_JVM, "attach: JVM " + pid + " is gone: " + m);
        }
        return fail(ExitCodes.FAILURE, "attach: cannot " + what + " JVM " + pid + ": " + e);
    }

    private int fail(int code, String message) {
        err.println(AgentArguments.MESSAGE_PREFIX + message.replace('\n', ' '));
        return code;
    }

    /** This code's jar, or null when it does not run from a jar (e.g. from target/classes). */
    static Path ownJar() {
        try {
            CodeSource source = AttachCommand.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path p = Paths.get(source.getLocation().toURI()).toAbsolutePath();
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static String codeSourceText() {
        CodeSource source = AttachCommand.class.getProtectionDomain().getCodeSource();
        return source == null ? "an unknown location" : String.valueOf(source.getLocation());
    }
}
