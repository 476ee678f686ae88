package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

import dev.omega.sessionserver.process.LogTail;

/**
 * {@code logs <pid> [--server NAME] [-n N] [-f]}: prints the last N lines (default {@value #DEFAULT_LINES}, 1 to
 * 1000) of a session server's log through its MBean's {@code tailLog}, reached as {@code status} reaches the JVM
 * ({@link LocalManagement}: nothing is loaded into it). {@code --server} may be left out only when the JVM has one
 * server.
 *
 * <p>With {@code -f} it then looks again every {@value #POLL_MILLIS} ms and prints what was appended, across
 * rotations, until Ctrl-C (or until the JVM or its MBean goes away). What is new is found by overlap with the lines
 * already printed ({@link LogFollower}, whose class comment gives the limits): each look asks for the last
 * {@value #FOLLOW_LINES} lines, and, when they do not reach back to the lines printed, for 1000; when even those do
 * not, all 1000 are printed after a note on stderr that lines may have been missed. A line being written (no
 * {@code \n} yet) is printed once it is complete.
 *
 * <p>Exit codes: those of {@code status} ({@link CliExitStatus#NO_SUCH_JVM}, {@link CliExitStatus#PERMISSION_DENIED},
 * {@link CliExitStatus#REFUSED}, {@link CliExitStatus#TIMEOUT}, {@link CliExitStatus#NONE_REGISTERED},
 * {@link CliExitStatus#USAGE}, {@link CliExitStatus#FAILURE}) and {@link CliExitStatus#NO_SUCH_SERVER},
 * {@link CliExitStatus#OPERATION_FAILED} (e.g. {@code logFile=discard}: the MBean's message is printed).
 */
final class LogsCommand {

    static final int DEFAULT_LINES = 20;
    static final long POLL_MILLIS = 500;
    static final int FOLLOW_LINES = 100;
    static final String USAGE = "logs <pid> [--server NAME] [-n N] [-f]";
    private static final String[] INT_SIGNATURE = {int.class.getName()};

    private final PrintStream out;
    private final PrintStream err;
    private final TargetJvm target;
    private final ServerOperationTarget servers;

    LogsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.target = new TargetJvm("logs", err);
        this.servers = new ServerOperationTarget(target);
    }

    int execute(List<String> rest) {
        ServerOperationTarget.Request request;
        int lines = DEFAULT_LINES;
        boolean follow = false;
        try {
            request = servers.request(rest, USAGE);
            List<String> words = request.words;
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("-f") || w.equals("--follow")) {
                    follow = true;
                } else if (w.equals("-n") || w.equals("--lines")) {
                    lines = lines(i + 1 < words.size() ? words.get(++i) : null);
                } else if (w.startsWith("-n") && w.length() > 2) {
                    lines = lines(w.substring(2));
                } else {
                    return target.fail(CliExitStatus.USAGE, "unexpected '" + w + "' (usage: " + USAGE + ")");
                }
            }
        } catch (LocalManagement.Failed e) {
            return e.code;
        }
        long pid = request.pid;
        String server = request.server;
        int checked = target.check(pid);
        if (checked != CliExitStatus.OK) {
            return checked;
        }
        if (!follow) {
            int n = lines;
            return LocalManagement.withinDeadline(pid, target, StatusCommand.DEADLINE_SECONDS,
                    "session-server-manager-logs", () -> print(pid, server, n));
        }
        return follow(pid, server, lines);
    }

    /** The value of {@code -n}: 1 to 1000. */
    private int lines(String text) throws LocalManagement.Failed {
        try {
            int n = Integer.parseInt(String.valueOf(text));
            LogTail.checkLines(n);
            return n;
        } catch (IllegalArgumentException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.USAGE, "invalid -n '" + text + "': must be"
                    + " a number of lines, 1 to " + LogTail.MAX_LINES));
        }
    }

    private int print(long pid, String server, int lines) {
        return servers.withServer(pid, server, (c, name) -> {
            out.print(tail(c, name, lines));
            out.flush();
            return CliExitStatus.OK;
        });
    }

    private String tail(MBeanServerConnection c, ObjectName name, int lines)
            throws IOException, LocalManagement.Failed {
        return String.valueOf(servers.invoke(c, name, "tailLog", new Object[] {lines}, INT_SIGNATURE));
    }

    /** Prints the last lines, then what is appended, until interrupted or the JVM goes away. */
    private int follow(long pid, String server, int lines) {
        LocalManagement[] jmx = new LocalManagement[1];
        ObjectName[] name = new ObjectName[1];
        int connected = LocalManagement.withinDeadline(pid, target, StatusCommand.DEADLINE_SECONDS,
                "session-server-manager-logs", () -> {
                    try {
                        jmx[0] = LocalManagement.connect(pid, target);
                        name[0] = servers.choose(jmx[0].connection(), pid, server);
                        return CliExitStatus.OK;
                    } catch (LocalManagement.Failed e) {
                        return e.code;
                    }
                });
        if (connected != CliExitStatus.OK) {
            if (jmx[0] != null) {
                jmx[0].close();
            }
            return connected;
        }
        try (LocalManagement session = jmx[0]) {
            MBeanServerConnection c = session.connection();
            LogFollower follower = new LogFollower();
            printLines(follower.first(tail(c, name[0], lines)));
            while (!Thread.currentThread().isInterrupted()) {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS); // an interval between looks, not a wait for a condition
                String window = tail(c, name[0], FOLLOW_LINES);
                LogFollower.Update u = follower.next(window, LogFollower.isFull(window, FOLLOW_LINES));
                if (u.gap) {
                    window = tail(c, name[0], LogTail.MAX_LINES);
                    u = follower.next(window, LogFollower.isFull(window, LogTail.MAX_LINES));
                }
                if (u.gap) {
                    err.println(AgentArguments.MESSAGE_PREFIX + "logs: more was written since the last look than "
                            + LogTail.MAX_LINES + " lines (or the log was rotated twice): lines may be missing here");
                    follower.first(window);
                } else if (u.restarted) {
                    err.println(AgentArguments.MESSAGE_PREFIX + "logs: the log was truncated or replaced");
                }
                printLines(u.lines);
            }
            return CliExitStatus.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CliExitStatus.OK;
        } catch (LocalManagement.Failed e) {
            return e.code;
        } catch (IOException e) {
            return target.ioFailure(pid, "talk to", e);
        }
    }

    private void printLines(List<String> lines) {
        for (String l : lines) {
            out.print(l);
            out.print('\n');
        }
        out.flush();
    }
}
