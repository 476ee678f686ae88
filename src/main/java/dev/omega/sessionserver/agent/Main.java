package dev.omega.sessionserver.agent;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import dev.omega.sessionserver.process.OperatorSignal;

/**
 * The agent jar's command line: {@code java -jar session-server-manager-agent.jar COMMAND ...}.
 * <ul>
 * <li>{@code attach <pid> [ARGS]}: loads the agent into a running JVM and waits until its MBean is registered.</li>
 * <li>{@code list}: the local JVMs one could attach to.</li>
 * <li>{@code run [ARGS]}: this JVM is the host; stays until Ctrl-C.</li>
 * <li>{@code status <pid>}: the state of every session server in a running JVM; exit 0 only when all are RUNNING
 * ({@link StatusCommand}).</li>
 * <li>{@code logs <pid> [--server NAME] [-n N] [-f]}: the end of a server's log, and with {@code -f} what follows
 * ({@link LogsCommand}).</li>
 * <li>{@code signal <pid> [--server NAME] <SIGNAL>}: HUP, USR1, USR2, QUIT or WINCH to a server's process tree
 * ({@link SignalServerCommand}).</li>
 * </ul>
 * ARGS are the agent arguments ({@link AgentArguments}); several words are joined with commas; the keys that
 * {@code --help} lists come from {@link AgentKey}. Errors are one line on stderr and a non-zero exit status
 * ({@link CliExitStatus}). A new command is one more case in {@link #execute(String[])} and one more class.
 */
public final class Main {

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        AgentLogging.configure();
        int code = new Main(System.out, System.err).execute(argv);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command and returns its exit code ({@code run} returns only if it could not start). */
    int execute(String[] argv) {
        if (argv.length == 0 || isHelp(argv[0])) {
            out.print(usage());
            out.flush();
            return CliExitStatus.OK;
        }
        String command = argv[0];
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        if (!rest.isEmpty() && isHelp(rest.get(0))) {
            out.print(usage());
            return CliExitStatus.OK;
        }
        try {
            switch (command) {
                case "attach":
                    return new AttachCommand(out, err).execute(rest);
                case "list":
                    if (!rest.isEmpty()) {
                        return usageError("list takes no arguments");
                    }
                    return new AttachCommand(out, err).list();
                case "run":
                    return new RunCommand(out, err).execute(joinArguments(rest));
                case "status":
                    return new StatusCommand(out, err).execute(rest);
                case "logs":
                    return new LogsCommand(out, err).execute(rest);
                case "signal":
                    return new SignalServerCommand(out, err).execute(rest);
                case "--version":
                case "version":
                    out.println("session-server-manager " + version());
                    return CliExitStatus.OK;
                default:
                    return usageError("unknown command '" + command + "' (commands: attach, list, run, status, logs,"
                            + " signal; see --help)");
            }
        } catch (NoClassDefFoundError e) {
            if (e.getMessage() != null && e.getMessage().startsWith("com/sun/tools/attach")) {
                err.println(AgentArguments.MESSAGE_PREFIX + command + ": this Java runtime has no jdk.attach module;"
                        + " run it with a JDK's java");
                return CliExitStatus.FAILURE;
            }
            throw e;
        }
    }

    private int usageError(String message) {
        err.println(AgentArguments.MESSAGE_PREFIX + message);
        return CliExitStatus.USAGE;
    }

    private static boolean isHelp(String s) {
        return "-h".equals(s) || "--help".equals(s) || "help".equals(s);
    }

    /** Agent arguments given as several words ({@code port=3001 name=web}) are joined with commas. */
    static String joinArguments(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (w.trim().isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(w);
        }
        return sb.toString();
    }

    static String version() {
        String v = Main.class.getPackage() == null ? null : Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    static String usage() {
        return String.join("\n",
                "session-server-manager " + version() + ": manage session servers from any JVM over JMX",
                "",
                "Usage:",
                "  java -jar session-server-manager-agent.jar run [ARGS]",
                "      This JVM becomes the host: registers the MBeans, prints how to connect (PID, jmxterm,",
                "      JConsole), prints every state change, and stays until Ctrl-C. A server without serverScript",
                "      is the bundled example server (SessionServer.java, extracted beside its PID file).",
                "      Ctrl-C leaves a running session server running (it is detached); the next run adopts it.",
                "  java -jar session-server-manager-agent.jar attach <pid> [ARGS]",
                "      Loads the agent into the running JVM <pid> (same user) and waits up to "
                        + AttachCommand.DEADLINE_SECONDS + " s for its MBeans.",
                "  java -jar session-server-manager-agent.jar status <pid>",
                "      Prints the state of every session server MBean in the running JVM <pid> (same user), one",
                "      line each, sorted by name, and exits 0 only when all are RUNNING. It reads the MBeans",
                "      through the JVM's local management agent (as JConsole does) and loads nothing into it:",
                "        name=<name> State=<state> Pid=<pid> Healthy=<true|false> UptimeSeconds=<n>[ LastError=<text>]",
                "      State is STOPPED, STARTING, RUNNING, UNHEALTHY, STOPPING or FAILED; Pid is -1 when none;",
                "      LastError (only when set) runs to the end of the line. E.g. a container health probe:",
                "        java -jar session-server-manager-agent.jar status <pid> >/dev/null",
                "  java -jar session-server-manager-agent.jar logs <pid> [--server NAME] [-n N] [-f]",
                "      Prints the last N lines (default " + LogsCommand.DEFAULT_LINES + ", 1 to 1000) of a session"
                        + " server's log in the running JVM",
                "      <pid>, through its MBean (tailLog), as status reaches it. --server may be left out when the",
                "      JVM has one server. -f: then prints what is appended, across rotations, until Ctrl-C (a look",
                "      every " + LogsCommand.POLL_MILLIS + " ms; a line is printed once complete).",
                "  java -jar session-server-manager-agent.jar signal <pid> [--server NAME] <SIGNAL>",
                "      Sends SIGNAL (" + OperatorSignal.names() + ", with or without SIG) to a session server's"
                        + " process",
                "      tree, identity-checked (TERM, INT, KILL and STOP are refused: stop the server instead).",
                "  java -jar session-server-manager-agent.jar list",
                "      Lists the local JVMs (pid and display name).",
                "  java -javaagent:session-server-manager-agent.jar[=ARGS] ... (in the host's own command line)",
                "",
                "ARGS: key=value pairs separated by commas (several words are joined with commas). Split at every",
                "comma, no escaping: put values containing commas in a config file. Precedence: defaults <",
                "config file < arguments, key by key. Durations in milliseconds; paths may start with ~/.",
                AgentKey.helpLines()
                        + "Several servers (servers=a,b): <a>.<key>=<value> is server a's (a.port=3001,"
                        + " a.env.FOO=bar);",
                "a key without a prefix is a default for all of them and a server's own key beats it; two servers",
                "may not share a pidFile or a port. e.g. servers=a,b,a.port=3001,b.port=3002,b.pidFile=~/b.pid",
                "config=<file>: relative paths in the file are relative to it; see agent/agent.properties.",
                "",
                "Exit codes:",
                "  " + CliExitStatus.OK + "  done (attach: the MBeans are registered in the target; status: all RUNNING)",
                "  " + CliExitStatus.FAILURE + "  unexpected failure (the message says what)",
                "  " + CliExitStatus.USAGE + "  bad command line (unknown command, missing or bad pid, bad -n or"
                        + " SIGNAL, no --server",
                "      with several servers)",
                "  " + CliExitStatus.INVALID_ARGUMENTS + "  invalid agent arguments (nothing was loaded)",
                "  " + CliExitStatus.NO_SUCH_JVM + "  no such process, or not a Java VM (nothing was sent to it)",
                "  " + CliExitStatus.PERMISSION_DENIED + "  the process belongs to another user / attach not permitted",
                "  " + CliExitStatus.REFUSED + "  the JVM refuses: attach disabled or dynamic agents disallowed",
                "      (start it with -javaagent instead; on Java 21+ -XX:+EnableDynamicAgentLoading)",
                "  " + CliExitStatus.AGENT_FAILED + "  the agent loaded but could not register an MBean (reason printed)",
                "  " + CliExitStatus.TIMEOUT + "  attach: an MBean did not appear in time; status, logs, signal: no answer in "
                        + StatusCommand.DEADLINE_SECONDS + " s",
                "  " + CliExitStatus.NOT_ALL_RUNNING + "  status: one or more session servers are not RUNNING",
                "  " + CliExitStatus.NONE_REGISTERED + " status, logs, signal: the JVM has no session server MBean (no agent"
                        + " loaded)",
                "  " + CliExitStatus.NO_SUCH_SERVER + " logs, signal: no session server of the name --server gives (the"
                        + " names are listed)",
                "  " + CliExitStatus.OPERATION_FAILED + " logs, signal: the MBean refused (no server runs, logFile=discard,"
                        + " log unreadable)",
                "",
                "Logging: stderr, lines marked " + AgentLogging.MARKER + "; level with -D" + AgentLogging.LEVEL_PROPERTY
                        + "=debug",
                "(trace, debug, info, warn, error, off) on the host's (or this) java command line.",
                "");
    }
}
