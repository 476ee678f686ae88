package dev.omega.sessionserver.agent.hosts;

import java.lang.management.ManagementFactory;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host application with its own slf4j (the tests run it with slf4j-api and slf4j-simple 1.7 on its class path).
 * Logs one line at start, then one each time the number of session server MBeans in its JVM changes, up to the
 * number given as its argument; then runs until killed. Prints progress to stdout for the test to wait on.
 */
public final class Slf4jHostApp {

    private Slf4jHostApp() {
    }

    public static void main(String[] args) throws Exception {
        int expected = Integer.parseInt(args[0]);
        Logger log = LoggerFactory.getLogger(Slf4jHostApp.class);
        log.info("host log line before the agent");
        System.out.println("host-app: running (pid " + ProcessHandle.current().pid() + ")");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pattern = new ObjectName("dev.omega.sessionserver:type=SessionServerManager,*");
        int seen = 0;
        while (seen < expected) {
            Set<ObjectName> names = server.queryNames(pattern, null);
            if (names.size() != seen) {
                seen = names.size();
                log.info("host sees {} session server MBean(s)", seen);
                System.out.println("host-app: sees " + seen + " session server MBean(s)");
            }
            Thread.sleep(10); // a host's own polling loop; the test waits on its output with a deadline
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
