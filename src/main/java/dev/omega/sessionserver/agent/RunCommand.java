package dev.omega.sessionserver.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;

import dev.omega.sessionserver.jmx.ServerState;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * {@code run [ARGS]}: this JVM is the agent's host. It registers the MBean of each server in the arguments (through
 * {@link AgentRuntime}, as the agent does; {@code servers=a,b} for several), prints how to connect and every state
 * change, and stays until Ctrl-C (or SIGTERM).
 *
 * <p>A server without a configured {@code serverScript} is the bundled example server: {@code SessionServer.java},
 * written beside its PID file (in {@code <pid file name>-example/}) and run with the single-file source launcher.
 *
 * <p>On exit the monitor stops and the session server is left running: it is detached (its own session, output to
 * its log file) and meant to outlive its manager, as with the agent in any other host. The next {@code run} (or any
 * agent with the same PID file) adopts it on {@code start}. Stop it first ({@code stop} over JMX) if it should go.
 */
final class RunCommand {

    static final String EXAMPLE_RESOURCE = "/dev/omega/sessionserver/agent/example/SessionServer.java";
    static final String JMXTERM_JAR = "jmxterm-1.0.4-uber.jar";
    static final String JMXTERM_CLIENT_FLAG = "--add-exports jdk.jconsole/sun.tools.jconsole=ALL-UNNAMED";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream out;
    private final PrintStream err;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int execute(String text) {
        List<AgentArguments> servers;
        try {
            servers = new ArrayList<>(AgentArguments.parseAll(text));
        } catch (AgentArgumentException e) {
            err.println(AgentArguments.MESSAGE_PREFIX + e.getMessage());
            return CliExitStatus.INVALID_ARGUMENTS;
        }
        boolean several = servers.size() > 1;
        List<Boolean> bundled = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            AgentArguments args = servers.get(i);
            bundled.add(!args.serverScriptConfigured());
            if (!args.serverScriptConfigured()) {
                try {
                    servers.set(i, args.withServerScript(extractExample(args.options().pidFile())));
                } catch (IOException | RuntimeException e) {
                    err.println(AgentArguments.MESSAGE_PREFIX + "run: cannot write the bundled example server beside "
                            + args.options().pidFile() + ": " + e.getMessage() + " (give serverScript= or pidFile=)");
                    return CliExitStatus.FAILURE;
                }
            }
        }
        List<SessionServerManager> managers = new ArrayList<>();
        for (AgentArguments args : servers) {
            StatePrinter printer = new StatePrinter(out, several ? args.name() : null);
            SessionServerManager manager;
            try {
                manager = AgentRuntime.get().register(args, printer);
            } catch (RuntimeException | Error e) {
                err.println(AgentArguments.MESSAGE_PREFIX + "run: cannot register the MBean of '" + args.name()
                        + "': " + e);
                return CliExitStatus.FAILURE;
            }
            if (manager == null) { // cannot happen in a fresh JVM; defensive
                err.println(AgentArguments.MESSAGE_PREFIX + "run: the MBean of '" + args.name()
                        + "' is already registered");
                return CliExitStatus.FAILURE;
            }
            printer.manager = manager;
            managers.add(manager);
        }
        printConnectInfo(servers, managers, bundled);
        Runtime.getRuntime().addShutdownHook(new Thread(new OnExit(managers, servers, out),
                "session-server-manager-exit"));
        AgentRuntime.get().linkDependencies(servers);
        List<SessionServerManager> toStart = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).autoStart()) {
                toStart.add(managers.get(i));
            }
        }
        AgentRuntime.autoStartInOrder(servers, toStart); // dependencies first, independent servers side by side
        try {
            new CountDownLatch(1).await(); // until Ctrl-C: the shutdown hook reports, the JVM exits
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return CliExitStatus.OK;
    }

    private void printConnectInfo(List<AgentArguments> servers, List<SessionServerManager> managers,
            List<Boolean> bundled) {
        long pid = ProcessHandle.current().pid();
        boolean several = servers.size() > 1;
        String jmxterm = "java " + JMXTERM_CLIENT_FLAG + " -jar " + JMXTERM_JAR;
        StringBuilder sb = new StringBuilder();
        sb.append("session-server-manager ").append(Main.version()).append(": this JVM (pid ").append(pid)
                .append(") manages ");
        if (several) {
            sb.append(servers.size()).append(" session servers:");
            for (AgentArguments a : servers) {
                sb.append(' ').append(a.name());
            }
            sb.append('\n');
        } else {
            sb.append("session server '").append(servers.get(0).name()).append("'\n");
        }
        for (int i = 0; i < servers.size(); i++) {
            AgentArguments args = servers.get(i);
            ProcessManagerOptions o = args.options();
            String indent = several ? "    " : "  ";
            if (several) {
                sb.append("  ").append(args.name()).append('\n');
            }
            sb.append(indent).append("MBean     ").append(managers.get(i).objectName()).append('\n');
            sb.append(indent).append("server    ").append(o.serverScript())
                    .append(bundled.get(i) ? " (the bundled example)" : "").append(", port ").append(o.port())
                    .append(", health ").append(HealthCheck.text(o.healthCheckUrl())).append('\n');
            sb.append(indent).append("PID file  ").append(o.pidFile()).append(", log ")
                    .append(o.logFile().isPresent() ? o.logFile().get().toString() : "discarded").append('\n');
        }
        String first = servers.get(0).name();
        String bean = managers.get(0).objectName().toString();
        sb.append("Connect (same user, this machine):\n");
        sb.append("  JConsole  jconsole ").append(pid)
                .append("   (MBeans tab > dev.omega.sessionserver > SessionServerManager > ").append(first)
                .append(")\n");
        sb.append("  VisualVM  visualvm --openpid ").append(pid).append("   (MBeans tab, with the VisualVM-MBeans"
                + " plugin)\n");
        sb.append("  jmxterm   echo 'run -b ").append(bean).append(" start' | ").append(jmxterm).append(" -l ")
                .append(pid).append(" -n\n");
        sb.append("            (interactive: ").append(jmxterm).append(" -l ").append(pid)
                .append(", then: bean ").append(bean).append(", run start, get State Pid, run stop)\n");
        sb.append("  status    java -jar ").append(jarName()).append(" status ").append(pid).append('\n');
        String jmxPort = System.getProperty("com.sun.management.jmxremote.port");
        if (jmxPort != null) {
            String host = System.getProperty("com.sun.management.jmxremote.host", "127.0.0.1");
            sb.append("  remote    ").append(jmxterm).append(" -l ").append(host).append(':').append(jmxPort)
                    .append('\n');
        }
        boolean anyAutoStart = false;
        for (AgentArguments a : servers) {
            anyAutoStart |= a.autoStart();
        }
        sb.append("State changes are printed below").append(anyAutoStart ? "" : "; nothing is started until a"
                + " client calls start (or pass autoStart=true)").append(".\n");
        List<String> withHost = new ArrayList<>();
        for (AgentArguments a : servers) {
            if (a.stopWithHost()) {
                withHost.add(a.name());
            }
        }
        if (withHost.size() == servers.size()) {
            sb.append("Ctrl-C ends this host and stops the session server").append(several ? "s" : "")
                    .append(" (stopWithHost=true).\n");
        } else if (!withHost.isEmpty()) {
            sb.append("Ctrl-C ends this host and stops ").append(String.join(", ", withHost))
                    .append(" (stopWithHost=true); the others keep running (detached); the next run adopts them.\n");
        } else {
            sb.append("Ctrl-C ends this host and leaves a running session server running (it is detached); the next"
                    + " run adopts it.\n");
        }
        out.print(sb);
        for (SessionServerManager m : managers) {
            out.println((several ? m.name() + ": " : "") + "state " + m.state());
        }
        out.flush();
    }

    /** The agent jar's file name, for the printed commands. */
    private static String jarName() {
        java.nio.file.Path jar = AttachCommand.ownJar();
        return jar == null ? "session-server-manager-agent.jar" : jar.toString();
    }

    /**
     * Writes the bundled {@code SessionServer.java} into {@code <pid file without .pid>-example/} beside the PID file
     * (rewritten only when it differs) and returns its path.
     */
    static Path extractExample(Path pidFile) throws IOException {
        byte[] source;
        try (InputStream in = RunCommand.class.getResourceAsStream(EXAMPLE_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + EXAMPLE_RESOURCE + " is missing from the jar");
            }
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            source = buffer.toByteArray();
        }
        String base = pidFile.getFileName().toString();
        if (base.endsWith(".pid")) {
            base = base.substring(0, base.length() - 4);
        }
        Path dir = pidFile.resolveSibling(base + "-example");
        Path script = dir.resolve("SessionServer.java");
        if (Files.isRegularFile(script) && Arrays.equals(Files.readAllBytes(script), source)) {
            return script;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "SessionServer", ".tmp");
        try {
            Files.write(tmp, source);
            try {
                Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return script;
    }

    /**
     * Prints {@code HH:mm:ss.SSS state OLD -> NEW} lines (with the PID or the last error where useful); with several
     * servers {@code HH:mm:ss.SSS NAME: state OLD -> NEW}.
     */
    static final class StatePrinter implements BiConsumer<ServerState, ServerState> {
        private final PrintStream out;
        private final String label;
        volatile SessionServerManager manager;

        StatePrinter(PrintStream out, String label) {
            this.out = out;
            this.label = label;
        }

        @Override
        public void accept(ServerState from, ServerState to) {
            StringBuilder line = new StringBuilder();
            line.append(LocalTime.now().format(TIME)).append(' ');
            if (label != null) {
                line.append(label).append(": ");
            }
            line.append("state ").append(from).append(" -> ").append(to);
            SessionServerManager m = manager;
            if (m != null) {
                try {
                    if (to == ServerState.RUNNING) {
                        line.append(" (pid ").append(m.getPid()).append(')');
                    } else if (to == ServerState.FAILED || to == ServerState.UNHEALTHY) {
                        String error = m.getLastError();
                        if (error != null && !error.isEmpty()) {
                            line.append(": ").append(error.replace('\n', ' '));
                        }
                    }
                } catch (RuntimeException e) {
                    // the line without details
                }
            }
            out.println(line);
            out.flush();
        }
    }

    /** The shutdown hook: stops monitoring, says what is left running. */
    static final class OnExit implements Runnable {
        private final List<SessionServerManager> managers;
        private final List<AgentArguments> servers;
        private final PrintStream out;

        OnExit(List<SessionServerManager> managers, List<AgentArguments> servers, PrintStream out) {
            this.managers = managers;
            this.servers = servers;
            this.out = out;
        }

        @Override
        public void run() {
            boolean several = managers.size() > 1;
            for (int i = 0; i < managers.size(); i++) {
                SessionServerManager manager = managers.get(i);
                ServerState state = manager.state();
                long pid = manager.getPid();
                String which = several ? "session server '" + manager.name() + "'" : "the session server";
                if (servers.get(i).stopWithHost()) { // the monitor keeps watching while the other hook stops it
                    out.println("session-server-manager: exiting; " + which + (pid > 0 ? " (pid " + pid + ") is"
                            + " stopped with this host (stopWithHost=true)" : " is not running"));
                    continue;
                }
                manager.close();
                if (pid > 0) {
                    out.println("session-server-manager: exiting; " + which + " keeps running (pid " + pid
                            + ", state " + state + "): it is detached; the next run adopts it");
                } else {
                    out.println("session-server-manager: exiting; " + (several ? which + " is not running"
                            : "no session server is running"));
                }
            }
            out.flush();
        }
    }
}
