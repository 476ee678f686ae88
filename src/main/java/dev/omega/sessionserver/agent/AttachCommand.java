package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

import dev.omega.sessionserver.jmx.SessionServerMBeans;

/**
 * {@code attach <pid> [ARGS]} and {@code list}. With {@link TargetJvm} and {@link LocalManagement} (which
 * {@code status}, {@code logs} and {@code signal} use), the only classes that touch {@code com.sun.tools.attach}
 * (module {@code jdk.attach}), so {@code run} works on a runtime without it.
 *
 * <p>{@code attach} checks everything it can before it touches the target: the arguments (parsed here with the same
 * parser as the agent, every server of {@code servers=a,b}), that the PID is a process, that it is a JVM this user may
 * attach to ({@link TargetJvm#check}). Then it starts the target's local management agent (as JConsole does), loads
 * this jar with the arguments (relative paths made absolute here) and polls until every server's MBean is registered.
 * Servers whose MBean is already registered are left as they are; when all are, nothing is loaded.
 */
final class AttachCommand {

    static final int DEADLINE_SECONDS = 15;
    private static final long POLL_MILLIS = 25;
    private static final long ERROR_POLL_MILLIS = 250;

    private final PrintStream out;
    private final PrintStream err;
    private final TargetJvm target;

    AttachCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.target = new TargetJvm("attach", err);
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
        return CliExitStatus.OK;
    }

    int execute(List<String> rest) {
        long pid = target.pid(rest, "attach <pid> [ARGS]", "use run instead");
        if (pid == TargetJvm.NO_PID) {
            return CliExitStatus.USAGE;
        }
        String text = Main.joinArguments(rest.subList(1, rest.size()));
        List<AgentArguments> servers;
        String forTarget;
        try {
            servers = AgentArguments.parseAll(text);
            forTarget = AgentArguments.absolutize(text);
        } catch (AgentArgumentException e) {
            err.println(AgentArguments.MESSAGE_PREFIX + e.getMessage());
            return CliExitStatus.INVALID_ARGUMENTS;
        }
        Path jar = ownJar();
        if (jar == null) {
            return target.fail(CliExitStatus.FAILURE, "must run from the agent jar (java -jar session-server-manager-"
                    + "agent.jar attach ...); this code runs from " + codeSourceText());
        }
        int checked = target.check(pid);
        if (checked != CliExitStatus.OK) {
            return checked;
        }
        return attach(pid, jar, servers, forTarget);
    }

    private int attach(long pid, Path jar, List<AgentArguments> servers, String forTarget) {
        long started = System.nanoTime();
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            return target.fail(CliExitStatus.REFUSED, "JVM " + pid + " does not accept attach: " + e.getMessage());
        } catch (IOException e) {
            return target.ioFailure(pid, "attach to", e);
        }
        try {
            String address = vm.startLocalManagementAgent();
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                MBeanServerConnection connection = connector.getMBeanServerConnection();
                Map<String, ObjectName> awaited = new LinkedHashMap<>();
                for (AgentArguments a : servers) {
                    ObjectName name = SessionServerMBeans.objectName(a.name());
                    if (connection.isRegistered(name)) {
                        out.println("attach: " + name + " is already registered in JVM " + pid
                                + "; left as it is (use another name to manage another server)");
                    } else {
                        awaited.put(a.name(), name);
                    }
                }
                if (awaited.isEmpty()) {
                    out.println("attach: nothing loaded into JVM " + pid);
                    return CliExitStatus.OK;
                }
                try {
                    vm.loadAgent(jar.toString(), forTarget);
                } catch (AgentLoadException e) {
                    return target.fail(CliExitStatus.REFUSED, "JVM " + pid + " refused the agent (" + e.getMessage()
                            + "): it disallows dynamically loaded agents; restart it with -javaagent:" + jar
                            + " or with -XX:+EnableDynamicAgentLoading");
                } catch (AgentInitializationException e) {
                    return target.fail(CliExitStatus.AGENT_FAILED, "the agent failed in JVM " + pid + ": "
                            + e.getMessage() + " (return value " + e.returnValue() + ")");
                }
                return awaitRegistration(pid, vm, connection, awaited, started);
            }
        } catch (IOException e) {
            return target.ioFailure(pid, "talk to", e);
        } catch (Exception e) {
            return target.fail(CliExitStatus.FAILURE, String.valueOf(e));
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the target went away: nothing to release
            }
        }
    }

    /** Polls until every awaited MBean is registered, the agent reports a failure for one, or the deadline passes. */
    private int awaitRegistration(long pid, VirtualMachine vm, MBeanServerConnection connection,
            Map<String, ObjectName> awaited, long started) throws Exception {
        long deadline = started + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        long nextErrorCheck = 0;
        Map<String, ObjectName> pending = new LinkedHashMap<>(awaited);
        while (true) {
            for (Iterator<Map.Entry<String, ObjectName>> it = pending.entrySet().iterator(); it.hasNext();) {
                ObjectName name = it.next().getValue();
                if (connection.isRegistered(name)) {
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    out.println("attached to JVM " + pid + ": " + name + " is registered (" + ms + " ms)");
                    it.remove();
                }
            }
            if (pending.isEmpty()) {
                out.println("  connect: jconsole " + pid + "   or jmxterm: open " + pid);
                return CliExitStatus.OK;
            }
            long now = System.nanoTime();
            if (now - nextErrorCheck >= 0) {
                Properties props = vm.getSystemProperties();
                for (Map.Entry<String, ObjectName> e : pending.entrySet()) {
                    String error = props.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + e.getKey());
                    if (error != null) {
                        return target.fail(CliExitStatus.AGENT_FAILED, "the agent loaded into JVM " + pid
                                + " but could not register " + e.getValue() + ": " + error + " (see the JVM's stderr)");
                    }
                }
                nextErrorCheck = now + TimeUnit.MILLISECONDS.toNanos(ERROR_POLL_MILLIS);
            }
            if (now - deadline >= 0) {
                return target.fail(CliExitStatus.TIMEOUT, "the agent loaded into JVM " + pid + " but "
                        + pending.values() + " did not appear within " + DEADLINE_SECONDS
                        + " s (see the JVM's stderr)");
            }
            Thread.sleep(POLL_MILLIS);
        }
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
