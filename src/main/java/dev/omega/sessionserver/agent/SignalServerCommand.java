package dev.omega.sessionserver.agent;

import java.io.PrintStream;
import java.util.List;

import dev.omega.sessionserver.process.OperatorSignal;

/**
 * {@code signal <pid> [--server NAME] <SIGNAL>}: sends HUP, USR1, USR2, QUIT or WINCH (with or without {@code SIG},
 * in any case) to a session server's process tree through its MBean's {@code signal} operation, reached as
 * {@code status} reaches the JVM ({@link LocalManagement}: nothing is loaded into it). The signal is checked here
 * first: any other is a usage error that names the allowed ones, and nothing is sent. {@code --server} may be left
 * out only when the JVM has one server. On success it prints one line: {@code sent SIGHUP to session server 'a'}.
 *
 * <p>Exit codes: those of {@link LogsCommand}; {@link CliExitStatus#OPERATION_FAILED} when no server runs.
 */
final class SignalServerCommand {

    static final String USAGE = "signal <pid> [--server NAME] <SIGNAL>";
    private static final String[] STRING_SIGNATURE = {String.class.getName()};

    private final PrintStream out;
    private final TargetJvm target;
    private final ServerOperationTarget servers;

    SignalServerCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.target = new TargetJvm("signal", err);
        this.servers = new ServerOperationTarget(target);
    }

    int execute(List<String> rest) {
        ServerOperationTarget.Request request;
        try {
            request = servers.request(rest, USAGE);
        } catch (LocalManagement.Failed e) {
            return e.code;
        }
        List<String> words = request.words;
        if (words.size() != 1) {
            return target.fail(CliExitStatus.USAGE, (words.isEmpty() ? "missing <SIGNAL>" : "one <SIGNAL>, got '"
                    + String.join(" ", words) + "'") + " (usage: " + USAGE + "; SIGNAL is " + OperatorSignal.names()
                    + ")");
        }
        OperatorSignal signal;
        try {
            signal = OperatorSignal.parseOrThrow(words.get(0));
        } catch (IllegalArgumentException e) {
            return target.fail(CliExitStatus.USAGE, e.getMessage() + "; nothing was sent");
        }
        long pid = request.pid;
        int checked = target.check(pid);
        if (checked != CliExitStatus.OK) {
            return checked;
        }
        return LocalManagement.withinDeadline(pid, target, StatusCommand.DEADLINE_SECONDS,
                "session-server-manager-signal", () -> servers.withServer(pid, request.server, (c, name) -> {
                    servers.invoke(c, name, "signal", new Object[] {signal.name()}, STRING_SIGNATURE);
                    out.println("sent " + signal.signalName() + " to session server '"
                            + StatusCommand.Query.displayName(name) + "' in JVM " + pid);
                    out.flush();
                    return CliExitStatus.OK;
                }));
    }
}
