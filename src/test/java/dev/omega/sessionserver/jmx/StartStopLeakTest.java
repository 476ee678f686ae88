package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.testing.Closer;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;

/**
 * Start/stop cycles leak nothing in the host: the test JVM hosts one {@link SessionServerManager} as the agent does
 * (registered in an MBeanServer, monitoring every {@value #MONITOR_MILLIS} ms on a scheduler like the agent's,
 * {@link SessionServerMetrics} bound to a {@link JmxMeterRegistry}), and drives {@code start} and {@code stop}
 * through the MBeanServer {@value #DEFAULT_CYCLES} times ({@code -D}{@value #CYCLES_PROPERTY}{@code =1000} in the
 * bench profile) against the fast Perl server ({@link FastSessionServer}). After {@value #WARM_UP_CYCLES} warm-up
 * cycles (classes loaded, JIT, the JDK's process reaper pool and the monitor's scheduler thread made) it takes a
 * baseline, runs the cycles, and requires the host to come back to it within these tolerances:
 * <ul>
 * <li><b>threads</b> (ThreadMXBean's live count) +{@value #THREAD_TOLERANCE}: the JDK waits for each child on a
 * thread of its "process reaper" pool, a cached pool whose idle threads end 60 s after their last use, so right after
 * the cycles the count may be above the baseline; the test waits for it, up to {@value #THREAD_WAIT_SECONDS} s. The
 * slack is for threads this library does not own and whose number does not grow with the cycles: a reaper thread
 * still parked (the baseline may have been taken just after one ended, or before one was made), a JDK-internal
 * thread made lazily (a Cleaner, an attach or RMI thread of an earlier test in the same JVM). A leak of one thread
 * per cycle would show as hundreds.</li>
 * <li><b>open file descriptors</b> ({@code /proc/self/fd}) +{@value #FD_TOLERANCE}: at a given moment the PID file's
 * lock file may be open, a monitor pass may hold a health-check socket, and a class loaded for the first time after
 * the baseline may open a jar; none of them grows with the number of cycles, a leaked log, PID-file, pipe or socket
 * descriptor per cycle would show as hundreds. Measured before any GC, so descriptors that only a GC (a Cleaner)
 * would close count against it.</li>
 * <li><b>heap used after a full GC</b> +{@value #HEAP_TOLERANCE_MIB} MiB: {@code System.gc()} repeated until two
 * readings in a row differ by less than {@value #HEAP_SETTLE_KIB} KiB, the lowest reading kept. What remains
 * beside a leak is noise of the order of the surefire and logging buffers (well under a MiB); at 1,000 cycles the
 * tolerance catches anything that keeps more than about 4 KiB per cycle (a Process, its streams, a snapshot, a
 * notification, a meter).</li>
 * </ul>
 * The figures are printed on one line starting with {@code [leak]}.
 */
class StartStopLeakTest {

    static final String CYCLES_PROPERTY = "leak.cycles";
    static final int DEFAULT_CYCLES = 200;
    static final int WARM_UP_CYCLES = 20;
    static final long MONITOR_MILLIS = 50;
    static final int THREAD_TOLERANCE = 2;
    static final int FD_TOLERANCE = 5;
    static final int HEAP_TOLERANCE_MIB = 4;
    static final int HEAP_SETTLE_KIB = 256;
    static final int THREAD_WAIT_SECONDS = 120;
    static final int FD_WAIT_SECONDS = 10;
    private static final long MIB = 1024 * 1024;

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private final Closer toClose = new Closer("leak");

    @AfterEach
    void closeEverything() {
        toClose.closeAll();
    }

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void startStopCyclesReturnThreadsDescriptorsAndHeapToTheBaseline() throws Exception {
        int cycles = Integer.getInteger(CYCLES_PROPERTY, DEFAULT_CYCLES);
        int port = FreePort.find();

        // the host, as the agent builds it
        MBeanServer mbeanServer = MBeanServerFactory.newMBeanServer();
        JmxMeterRegistry meters = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
        toClose.add(meters::close);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "leak-test-monitor");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        toClose.add(scheduler::shutdownNow);
        SessionServerManager manager = new SessionServerManager("leak",
                new ProcessManager(FastSessionServer.options(dir, port, reaper).build()),
                Duration.ofMillis(MONITOR_MILLIS), scheduler);
        toClose.add(manager);
        assertTrue(SessionServerMBeans.register(mbeanServer, manager));
        toClose.add(() -> SessionServerMBeans.unregister(mbeanServer, manager));
        new SessionServerMetrics(manager).bindTo(meters);
        manager.startMonitoring();
        ObjectName name = manager.objectName();

        for (int i = 0; i < WARM_UP_CYCLES; i++) {
            cycle(mbeanServer, name, meters, i);
        }
        long threadsBefore = threads();
        long fdsBefore = openFileDescriptors();
        long heapBefore = heapUsedAfterGc();

        long t0 = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            cycle(mbeanServer, name, meters, WARM_UP_CYCLES + i);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertEquals(WARM_UP_CYCLES + cycles, manager.starts(), "every start started a server");
        assertEquals(WARM_UP_CYCLES + cycles, manager.stops(), "every stop stopped one");
        assertEquals(0, manager.crashes());

        long fdsAfter = atMostWithin("open fds", fdsBefore + FD_TOLERANCE,
                Duration.ofSeconds(FD_WAIT_SECONDS), StartStopLeakTest::openFileDescriptors);
        long threadsAfter = atMostWithin("threads", threadsBefore + THREAD_TOLERANCE, Duration.ofSeconds(THREAD_WAIT_SECONDS),
                StartStopLeakTest::threads);
        long heapAfter = heapUsedAfterGc();

        String figures = String.format("[leak] %d cycles (after %d warm-up) in %d s: threads %d -> %d (tolerance +%d),"
                + " open fds %d -> %d (+%d), heap used after GC %.2f MiB -> %.2f MiB (+%d MiB)", cycles,
                WARM_UP_CYCLES, seconds, threadsBefore, threadsAfter, THREAD_TOLERANCE, fdsBefore, fdsAfter,
                FD_TOLERANCE, heapBefore / (double) MIB, heapAfter / (double) MIB, HEAP_TOLERANCE_MIB);
        System.out.println(figures);

        assertTrue(threadsAfter <= threadsBefore + THREAD_TOLERANCE, "threads leaked: " + figures + "; live: "
                + threadNames());
        assertTrue(fdsAfter <= fdsBefore + FD_TOLERANCE, "file descriptors leaked: " + figures + "; open: "
                + fdTargets());
        assertTrue(heapAfter <= heapBefore + HEAP_TOLERANCE_MIB * MIB, "heap leaked: " + figures);
        assertEquals(List.of(), reaper.markedProcesses(), "no server left after the last stop");
    }

    /** One start and one stop through the MBeanServer, each checked against the kernel. */
    private void cycle(MBeanServer mbeanServer, ObjectName name, JmxMeterRegistry meters, int i) throws Exception {
        long pid = (Long) mbeanServer.invoke(name, "start", new Object[0], new String[0]);
        reaper.track(pid);
        assertTrue(Procs.alive(pid), "cycle " + i + ": start returned a live server");
        assertEquals("RUNNING", mbeanServer.getAttribute(name, "State"), "cycle " + i);
        assertEquals(1.0, meters.get(SessionServerMetrics.UP).gauge().value(), "cycle " + i + ": up gauge");
        mbeanServer.invoke(name, "stop", new Object[0], new String[0]);
        assertFalse(Procs.alive(pid), "cycle " + i + ": the server is gone when stop returns");
        assertEquals("STOPPED", mbeanServer.getAttribute(name, "State"), "cycle " + i);
        assertEquals(-1L, mbeanServer.getAttribute(name, "Pid"), "cycle " + i);
    }

    /**
     * Waits until {@code value} is at most {@code limit}, for {@code deadline} at most; returns a reading taken then
     * (which the caller asserts on, with the figures in the message).
     */
    private static long atMostWithin(String what, long limit, Duration deadline, LongSupplier value) {
        try {
            Await.until(what + " at most " + limit, deadline, () -> value.getAsLong() <= limit);
        } catch (AssertionError timedOut) {
            // the caller asserts on the reading, with every figure in the message
        }
        return value.getAsLong();
    }

    private static long threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static List<String> threadNames() {
        List<String> names = new ArrayList<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        names.sort(null);
        return names;
    }

    /** Entries of {@code /proc/self/fd} (the listing's own descriptor included, in the baseline as after). */
    private static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> fdTargets() {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    targets.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                } catch (IOException e) {
                    targets.add(fd.getFileName() + "->?");
                }
            });
        } catch (IOException e) {
            targets.add(e.toString());
        }
        return targets;
    }

    /** Heap used after {@code System.gc()}, repeated until two readings in a row are close; the lowest reading. */
    private static long heapUsedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long lowest = Long.MAX_VALUE;
        long previous = -1;
        for (int i = 0; i < 20; i++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            lowest = Math.min(lowest, used);
            if (previous >= 0 && Math.abs(used - previous) < HEAP_SETTLE_KIB * 1024L) {
                break;
            }
            previous = used;
        }
        return lowest;
    }
}
