package dev.omega.sessionserver.bench;

import java.lang.management.ManagementFactory;

import javax.management.ObjectName;

/**
 * A host that prints {@code main <System.nanoTime()>} as the first thing in main ({@code nanoTime} is
 * CLOCK_MONOTONIC, comparable across processes on Linux) and exits; with an MBean name as argument it first waits
 * (up to 10 s) until that MBean is registered, so the agent's background work gets to finish and log.
 */
public final class TimedHost {
    private TimedHost() {
    }

    public static void main(String[] args) throws Exception {
        long now = System.nanoTime();
        System.out.println("main " + now);
        System.out.flush();
        if (args.length > 0) {
            ObjectName name = new ObjectName(args[0]);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!ManagementFactory.getPlatformMBeanServer().isRegistered(name) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200); // let the agent thread write its debug line
        }
    }
}
