package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;


import dev.omega.sessionserver.jmx.SessionServerMBeans;

/**
 * {@code status <pid>}: the state of every session server managed in JVM {@code <pid>}, for scripts and container
 * health probes.
 *
 * <p>It reaches the JVM as {@code attach} does before it loads anything: the same checks ({@link TargetJvm}), then the
 * target's local management agent through the Attach API, as JConsole does ({@link LocalManagement}). It never loads the agent: it only reads
 * the MBeans matching {@value #PATTERN}.
 *
 * <h2>Output</h2>
 * One line per MBean on stdout, sorted by name, fields separated by one space, in this order:
 * <pre>
 * name=a State=RUNNING Pid=4242 Healthy=true UptimeSeconds=42
 * name=b State=FAILED Pid=-1 Healthy=false UptimeSeconds=0 LastError=start failed: ... (exit code 1)
 * </pre>
 * The keys are the MBean's attribute names ({@code name} is the ObjectName's key). {@code LastError=} comes last and
 * only when there is one; its value runs to the end of the line (line breaks in it are written as {@code \n}). An
 * attribute that cannot be read shows {@code ?}. Nothing else goes to stdout; a one-line summary of what is wrong goes
 * to stderr.
 *
 * <h2>Exit codes</h2>
 * {@link CliExitStatus#OK} when every server is RUNNING, {@link CliExitStatus#NOT_ALL_RUNNING} when one or more is not
 * (any other State: UNHEALTHY, STARTING, STOPPING, STOPPED, FAILED, and BACKOFF, where a crashed server waits for its
 * automatic restart: not serving, so not RUNNING),
 * {@link CliExitStatus#NONE_REGISTERED} when the JVM has none; and as for {@code attach}: {@link CliExitStatus#NO_SUCH_JVM}
 * (no such process, or not a JVM: nothing is sent to it), {@link CliExitStatus#PERMISSION_DENIED},
 * {@link CliExitStatus#REFUSED} (attach disabled), {@link CliExitStatus#TIMEOUT} (no answer within
 * {@value #DEADLINE_SECONDS} s), {@link CliExitStatus#USAGE}, {@link CliExitStatus#FAILURE}.
 */
final class StatusCommand {

    /** The MBeans that {@code status} reports. */
    static final String PATTERN = SessionServerMBeans.DOMAIN + ":type=" + SessionServerMBeans.TYPE + ",*";
    static final int DEADLINE_SECONDS = 15;
    static final String RUNNING = "RUNNING";
    static final String[] ATTRIBUTES = {"State", "Pid", "Healthy", "UptimeSeconds", "LastError"};

    private final PrintStream out;
    private final TargetJvm target;

    StatusCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.target = new TargetJvm("status", err);
    }

    int execute(List<String> rest) {
        long pid = target.pid(rest, "status <pid>", "give the pid of the JVM that hosts the agent");
        if (pid == TargetJvm.NO_PID) {
            return CliExitStatus.USAGE;
        }
        if (rest.size() > 1) {
            return target.fail(CliExitStatus.USAGE, "takes one <pid>, got also '" + String.join(" ", rest.subList(1,
                    rest.size())) + "'");
        }
        int checked = target.check(pid);
        if (checked != CliExitStatus.OK) {
            return checked;
        }
        Result[] result = new Result[1];
        int code = LocalManagement.withinDeadline(pid, target, DEADLINE_SECONDS, "session-server-manager-status",
                () -> {
                    result[0] = new Query(pid, target).call();
                    return result[0].failureCode;
                });
        if (code != CliExitStatus.OK) {
            return code; // already printed
        }
        return report(pid, result[0].servers);
    }

    /** Prints the lines and the summary; returns the exit code. */
    int report(long pid, Map<String, Map<String, Object>> servers) {
        if (servers.isEmpty()) {
            return target.fail(CliExitStatus.NONE_REGISTERED, "no session server MBean (" + PATTERN + ") is registered"
                    + " in JVM " + pid);
        }
        List<String> notRunning = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : servers.entrySet()) {
            out.println(line(e.getKey(), e.getValue()));
            Object state = e.getValue().get("State");
            if (!RUNNING.equals(state)) {
                notRunning.add(e.getKey() + " " + (state == null ? "?" : state));
            }
        }
        out.flush();
        if (notRunning.isEmpty()) {
            return CliExitStatus.OK;
        }
        return target.fail(CliExitStatus.NOT_ALL_RUNNING, notRunning.size() + " of " + servers.size()
                + " session server(s) in JVM " + pid + " not RUNNING: " + String.join(", ", notRunning));
    }

    /** {@code name=a State=RUNNING Pid=4242 Healthy=true UptimeSeconds=42[ LastError=...]}. */
    static String line(String name, Map<String, Object> attributes) {
        StringBuilder sb = new StringBuilder("name=").append(AgentArgumentException.oneLine(name));
        for (int i = 0; i < ATTRIBUTES.length - 1; i++) {
            Object v = attributes.get(ATTRIBUTES[i]);
            sb.append(' ').append(ATTRIBUTES[i]).append('=').append(v == null ? "?" : AgentArgumentException
                    .oneLine(String.valueOf(v)).replace(' ', '_'));
        }
        Object error = attributes.get("LastError");
        if (error != null && !String.valueOf(error).isEmpty()) {
            sb.append(" LastError=").append(AgentArgumentException.oneLine(String.valueOf(error)));
        }
        return sb.toString();
    }

    /** What the worker found: the servers' attributes by name, or an exit code whose message is printed. */
    static final class Result {
        final int failureCode;
        final Map<String, Map<String, Object>> servers;

        Result(int failureCode, Map<String, Map<String, Object>> servers) {
            this.failureCode = failureCode;
            this.servers = servers;
        }
    }

    /** Attaches, starts the local management agent, reads every session server MBean. */
    static final class Query implements Callable<Result> {
        private final long pid;
        private final TargetJvm target;

        Query(long pid, TargetJvm target) {
            this.pid = pid;
            this.target = target;
        }

        @Override
        public Result call() {
            try (LocalManagement jmx = LocalManagement.connect(pid, target)) {
                return new Result(CliExitStatus.OK, read(jmx.connection()));
            } catch (LocalManagement.Failed e) {
                return failed(e.code);
            } catch (IOException e) {
                return failed(target.ioFailure(pid, "talk to", e));
            } catch (Exception e) {
                return failed(target.fail(CliExitStatus.FAILURE, String.valueOf(e)));
            }
        }

        private static Result failed(int code) {
            return new Result(code, Collections.<String, Map<String, Object>>emptyMap());
        }

        static Map<String, Map<String, Object>> read(MBeanServerConnection connection)
                throws IOException, MalformedObjectNameException {
            Set<ObjectName> names = connection.queryNames(new ObjectName(PATTERN), null);
            Map<String, Map<String, Object>> servers = new TreeMap<>();
            for (ObjectName name : names) {
                Map<String, Object> values = new TreeMap<>();
                try {
                    AttributeList list = connection.getAttributes(name, ATTRIBUTES);
                    for (Attribute a : list.asList()) {
                        values.put(a.getName(), a.getValue());
                    }
                } catch (InstanceNotFoundException e) {
                    continue; // unregistered meanwhile
                } catch (javax.management.ReflectionException e) {
                    // an MBean of another shape under this type: report what could be read (nothing)
                }
                servers.put(displayName(name), values);
            }
            return servers;
        }

        /** The ObjectName's {@code name} key, unquoted; the whole name when it has none. */
        static String displayName(ObjectName name) {
            String n = name.getKeyProperty("name");
            if (n == null) {
                return name.getCanonicalName();
            }
            try {
                String unquoted = n.startsWith("\"") ? ObjectName.unquote(n) : n;
                return unquoted.matches(".*\\s.*") ? n : unquoted; // keep one field: quoted when it has blanks
            } catch (IllegalArgumentException e) {
                return n;
            }
        }
    }
}
