package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * A JMX connection to a running JVM's local management agent, as {@code status}, {@code logs} and {@code signal}
 * reach it (and as JConsole does): through the Attach API, which loads nothing into the JVM (the JVM starts its own
 * management agent, when it has not already). The JVM is checked first ({@link TargetJvm#check}); a failure is
 * printed (one line on stderr) and thrown as a {@link Failed} carrying its {@link CliExitStatus}. Not thread-safe; one
 * command uses one.
 */
final class LocalManagement implements AutoCloseable {

    /** A failure whose message is printed already: its exit code. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Failed(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    private final VirtualMachine vm;
    private final JMXConnector connector;
    private final MBeanServerConnection connection;

    private LocalManagement(VirtualMachine vm, JMXConnector connector) throws IOException {
        this.vm = vm;
        this.connector = connector;
        this.connection = connector.getMBeanServerConnection();
    }

    /**
     * Attaches to JVM {@code pid} (already checked by {@link TargetJvm#check}), starts its local management agent and
     * connects to it.
     *
     * @throws Failed {@link CliExitStatus#REFUSED} (attach disabled), {@link CliExitStatus#PERMISSION_DENIED},
     *         {@link CliExitStatus#NO_SUCH_JVM} (gone), {@link CliExitStatus#FAILURE}; the message printed
     */
    static LocalManagement connect(long pid, TargetJvm target) throws Failed {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            throw new Failed(target.fail(CliExitStatus.REFUSED, "JVM " + pid + " does not accept attach: "
                    + e.getMessage()));
        } catch (IOException e) {
            throw new Failed(target.ioFailure(pid, "attach to", e));
        }
        boolean ok = false;
        try {
            String address = vm.startLocalManagementAgent();
            LocalManagement m = new LocalManagement(vm, JMXConnectorFactory.connect(new JMXServiceURL(address)));
            ok = true;
            return m;
        } catch (IOException e) {
            throw new Failed(target.ioFailure(pid, "talk to", e));
        } finally {
            if (!ok) {
                detachQuietly(vm);
            }
        }
    }

    /**
     * Runs {@code work} on a daemon thread (a hung target must not keep the command alive past its deadline) and
     * returns its exit code, or {@link CliExitStatus#TIMEOUT} after printing that the JVM did not answer within
     * {@code seconds}.
     */
    static int withinDeadline(long pid, TargetJvm target, int seconds, String threadName, Callable<Integer> work) {
        FutureTask<Integer> task = new FutureTask<>(work);
        Thread worker = new Thread(task, threadName);
        worker.setDaemon(true);
        worker.start();
        try {
            return task.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return target.fail(CliExitStatus.TIMEOUT, "JVM " + pid + " did not answer within " + seconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return target.fail(CliExitStatus.FAILURE, "interrupted");
        } catch (ExecutionException e) {
            return target.fail(CliExitStatus.FAILURE, String.valueOf(e.getCause()));
        }
    }

    MBeanServerConnection connection() {
        return connection;
    }

    /** Closes the connection and detaches; never throws. */
    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the target went away: nothing to release
        }
        detachQuietly(vm);
    }

    private static void detachQuietly(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException ignored) {
            // the target went away: nothing to release
        }
    }
}
