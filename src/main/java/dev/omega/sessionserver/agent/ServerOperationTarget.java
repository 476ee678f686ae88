package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.RuntimeMBeanException;

/**
 * What {@code logs} and {@code signal} share once connected ({@link LocalManagement}): picking the session server's
 * MBean ({@code --server NAME}, which may be left out only when the JVM has one server) and invoking one of its
 * operations, each failure printed (one line on stderr) and thrown as a {@link LocalManagement.Failed} with its
 * {@link CliExitStatus}. Stateless apart from the command's name and stderr ({@link TargetJvm}).
 */
final class ServerOperationTarget {

    private final TargetJvm target;

    ServerOperationTarget(TargetJvm target) {
        this.target = target;
    }

    /** A command line {@code <pid> [--server NAME] WORDS...}, read. */
    static final class Request {
        final long pid;
        /** {@code null}: not given. */
        final String server;
        /** The words after the PID but {@code --server NAME}, in order. */
        final List<String> words;

        Request(long pid, String server, List<String> words) {
            this.pid = pid;
            this.server = server;
            this.words = words;
        }
    }

    /** What is done with the chosen server's MBean; returns the exit code. */
    interface Operation {
        int run(MBeanServerConnection connection, ObjectName name) throws IOException, LocalManagement.Failed;
    }

    /**
     * Reads {@code <pid> [--server NAME] WORDS...} ({@code usage}: the command's synopsis, for the messages).
     *
     * @throws LocalManagement.Failed {@link CliExitStatus#USAGE}, the message printed
     */
    Request request(List<String> rest, String usage) throws LocalManagement.Failed {
        long pid = target.pid(rest, usage, "give the pid of the JVM that hosts the agent");
        if (pid == TargetJvm.NO_PID) {
            throw new LocalManagement.Failed(CliExitStatus.USAGE);
        }
        List<String> words = new ArrayList<>(rest.subList(1, rest.size()));
        String server = takeServer(words);
        return new Request(pid, server, words);
    }

    /**
     * Connects to JVM {@code pid} ({@link LocalManagement}), chooses the server's MBean ({@link #choose}) and runs
     * {@code operation} on it; every failure is printed.
     *
     * @return the operation's exit code, or the failure's
     */
    int withServer(long pid, String server, Operation operation) {
        try (LocalManagement jmx = LocalManagement.connect(pid, target)) {
            MBeanServerConnection c = jmx.connection();
            return operation.run(c, choose(c, pid, server));
        } catch (LocalManagement.Failed e) {
            return e.code;
        } catch (IOException e) {
            return target.ioFailure(pid, "talk to", e);
        }
    }

    /**
     * The MBean of server {@code server} ({@code null}: the only one) in JVM {@code pid}.
     *
     * @throws LocalManagement.Failed {@link CliExitStatus#NONE_REGISTERED} (no session server MBean),
     *         {@link CliExitStatus#NO_SUCH_SERVER} (no server of that name: the names are listed),
     *         {@link CliExitStatus#USAGE} (several servers and no {@code --server}: the names are listed)
     */
    ObjectName choose(MBeanServerConnection connection, long pid, String server)
            throws IOException, LocalManagement.Failed {
        Map<String, ObjectName> byName = new TreeMap<>();
        try {
            for (ObjectName n : connection.queryNames(new ObjectName(StatusCommand.PATTERN), null)) {
                byName.put(StatusCommand.Query.displayName(n), n);
            }
        } catch (JMException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.FAILURE, String.valueOf(e)));
        }
        if (byName.isEmpty()) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.NONE_REGISTERED, "no session server MBean ("
                    + StatusCommand.PATTERN + ") is registered in JVM " + pid));
        }
        if (server == null) {
            if (byName.size() == 1) {
                return byName.values().iterator().next();
            }
            throw new LocalManagement.Failed(target.fail(CliExitStatus.USAGE, "JVM " + pid + " has "
                    + byName.size() + " session servers (" + String.join(", ", byName.keySet())
                    + "): say which with --server NAME"));
        }
        ObjectName chosen = byName.get(server);
        if (chosen == null) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.NO_SUCH_SERVER, "JVM " + pid
                    + " has no session server '" + server + "' (it has: " + String.join(", ", byName.keySet())
                    + ")"));
        }
        return chosen;
    }

    /**
     * Invokes {@code operation} on {@code name}.
     *
     * @throws LocalManagement.Failed {@link CliExitStatus#OPERATION_FAILED} with the MBean's message (no server
     *         runs, output discarded, a refused log), {@link CliExitStatus#NO_SUCH_SERVER} (unregistered meanwhile),
     *         {@link CliExitStatus#FAILURE} (an agent without the operation: an older version)
     */
    Object invoke(MBeanServerConnection connection, ObjectName name, String operation, Object[] params,
            String[] signature) throws IOException, LocalManagement.Failed {
        try {
            return connection.invoke(name, operation, params, signature);
        } catch (RuntimeMBeanException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.OPERATION_FAILED, message(e.getCause(), e)));
        } catch (MBeanException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.OPERATION_FAILED, message(e.getCause(), e)));
        } catch (InstanceNotFoundException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.NO_SUCH_SERVER, "the session server MBean "
                    + name + " was unregistered"));
        } catch (ReflectionException e) {
            throw new LocalManagement.Failed(target.fail(CliExitStatus.FAILURE, name + " has no operation "
                    + operation + ": the agent in that JVM is an older version; attach this version or restart the"
                    + " host with it"));
        }
    }

    private static String message(Throwable cause, Exception outer) {
        Throwable t = cause == null ? outer : cause;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Takes {@code --server NAME} (or {@code --server=NAME}) out of {@code words}, which then hold the other words.
     *
     * @return the name; {@code null} when not given
     * @throws LocalManagement.Failed {@link CliExitStatus#USAGE} when the name is missing or empty
     */
    String takeServer(List<String> words) throws LocalManagement.Failed {
        String server = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--server")) {
                if (i + 1 >= words.size() || words.get(i + 1).isEmpty()) {
                    throw new LocalManagement.Failed(target.fail(CliExitStatus.USAGE, "--server needs a NAME"));
                }
                server = words.get(++i);
            } else if (w.startsWith("--server=")) {
                server = w.substring("--server=".length());
                if (server.isEmpty()) {
                    throw new LocalManagement.Failed(target.fail(CliExitStatus.USAGE, "--server needs a NAME"));
                }
            } else {
                rest.add(w);
            }
        }
        words.clear();
        words.addAll(rest);
        return server;
    }
}
