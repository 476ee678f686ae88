package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * {@link ProcessTreeResources} on real process trees (Perl servers that fork): the tree's members are counted, their
 * resident memory and descriptors summed, a group member whose parent exited still belongs to the tree, and a gone
 * server uses nothing. Expected figures come from {@code /proc/<pid>/stat}, {@code getconf PAGESIZE} and listings of
 * {@code /proc/<pid>/fd}, read independently of the class under test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessTreeResourcesTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    /**
     * Starts a Perl process that leads its own session and group, runs {@code body} and then sleeps; every line it
     * prints is a PID it wants the test to know.
     */
    private Process leader(String body) throws IOException {
        String script = "use POSIX (); POSIX::setsid(); $| = 1; " + body + " sleep 300;";
        return reaper.start(new ProcessBuilder("perl", "-e", script).directory(dir.toFile())
                .redirectError(dir.resolve("stderr").toFile()));
    }

    /** {@link Await#until} that says, when it fails, what was seen last. */
    private static void until(String description, java.util.function.BooleanSupplier condition,
            java.util.function.Supplier<String> seen) {
        try {
            Await.until(description, DEADLINE, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + seen.get(), e);
        }
    }

    private static long readPid(BufferedReader out) throws IOException {
        String line = out.readLine();
        assertTrue(line != null, "the server printed a PID");
        return Long.parseLong(line.trim());
    }

    private static final long PAGE_SIZE = pageSize();

    private static long pageSize() {
        try {
            Process p = new ProcessBuilder("getconf", "PAGESIZE").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            assertEquals(0, p.waitFor());
            return Long.parseLong(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * The {@code rss} field (24) of {@code /proc/<pid>/stat} in bytes. Not VmRSS of {@code status}: recent kernels
     * sum the per-CPU counters exactly there and approximately in {@code stat}.
     */
    private static long rssBytes(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[24 - 3]) * PAGE_SIZE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long listedDescriptors(long pid) {
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (NoSuchFileException e) {
            throw new AssertionError("pid " + pid + " is gone", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aServerWithAChildCountsTwoProcessesAndSumsTheirMemoryAndDescriptors() throws Exception {
        assumeTrue(ProcFs.available(), "needs /proc");
        // the child allocates 16 MiB, so the sum is visibly more than the server alone
        Process server = leader("my $c = fork(); if (!$c) { my $n = 16; my $x = 'x' x ($n * 1024 * 1024);"
                + " print \"$$\\n\"; sleep 300; exit 0; }");
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.US_ASCII));
        long child = readPid(out); // printed once its memory is allocated
        reaper.track(child);
        long pid = server.pid();
        ProcessIdentity identity = ProcessIdentity.of(pid).orElseThrow();
        ProcessTreeResources resources = new ProcessTreeResources();

        ProcessTreeUsage first = resources.sample(identity);
        assertEquals(2, first.processes(), first.toString());
        assertTrue(Double.isNaN(first.cpuUsage()), "the first sample has nothing to compare with: " + first);

        ProcessTreeUsage[] last = new ProcessTreeUsage[1];
        long[] expected = new long[2];
        until("memory and descriptors are the sums of server and child", () -> {
            long memoryBefore = rssBytes(pid) + rssBytes(child);
            long filesBefore = listedDescriptors(pid) + listedDescriptors(child);
            last[0] = resources.sample(identity);
            expected[0] = memoryBefore;
            expected[1] = filesBefore;
            // equal to the figures read just before and just after: nothing changed in between
            return last[0].memoryBytes() == memoryBefore && memoryBefore == rssBytes(pid) + rssBytes(child)
                    && last[0].openFiles() == filesBefore
                    && filesBefore == listedDescriptors(pid) + listedDescriptors(child);
        }, () -> "expected " + expected[0] + " bytes and " + expected[1] + " descriptors, sampled " + last[0]);
        ProcessTreeUsage u = last[0];
        assertEquals(2, u.processes(), u.toString());
        assertEquals(expected[0], u.memoryBytes(), u.toString());
        assertTrue(u.memoryBytes() > rssBytes(pid) && u.memoryBytes() > rssBytes(child), u.toString());
        assertTrue(u.memoryBytes() >= 16L * 1024 * 1024, u.toString());
        assertEquals(expected[1], u.openFiles(), u.toString());
        assertTrue(u.cpuUsage() >= 0, "a second sample has a CPU figure: " + u);

        // the child ends: the tree is the server alone
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(child)).start().waitFor());
        Await.until("the child is no longer counted", DEADLINE, () -> resources.sample(identity).processes() == 1);
        ProcessTreeUsage alone = resources.sample(identity);
        assertEquals(listedDescriptors(pid), alone.openFiles(), alone.toString());

        // the server ends: nothing runs
        server.destroyForcibly();
        assertTrue(server.waitFor(20, TimeUnit.SECONDS));
        ProcessTreeUsage gone = resources.sample(identity);
        assertEquals(0, gone.processes(), gone.toString());
        assertEquals(0, gone.memoryBytes(), gone.toString());
        assertEquals(0, gone.openFiles(), gone.toString());
    }

    @Test
    void aGroupMemberWhoseParentExitedStillBelongsToTheTree() throws Exception {
        assumeTrue(ProcFs.available(), "needs /proc");
        // the child forks a grandchild and exits: the grandchild is reparented, but stays in the server's group
        Process server = leader("my $c = fork(); if (!$c) { my $g = fork(); if (!$g) { sleep 300; exit 0; }"
                + " print \"$g\\n$$\\n\"; exit 0; } waitpid($c, 0);");
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.US_ASCII));
        long grandchild = readPid(out);
        reaper.track(grandchild);
        long child = readPid(out);
        long pid = server.pid();
        Await.until("the grandchild is reparented", DEADLINE,
                () -> ProcFs.stat(grandchild).map(s -> s.ppid != child).orElse(false));
        assertNotEquals(pid, ProcFs.stat(grandchild).orElseThrow().ppid, "no descendant of the server");
        assertEquals(pid, ProcFs.stat(grandchild).orElseThrow().pgrp, "in the server's group");

        ProcessIdentity identity = ProcessIdentity.of(pid).orElseThrow();
        ProcessTreeResources resources = new ProcessTreeResources();
        // a process group member is found by a pass over /proc, which may be up to its maximum age old
        Await.until("the group member is counted", DEADLINE, () -> resources.sample(identity).processes() == 2);
        ProcessTreeUsage u = resources.sample(identity);
        assertEquals(2, u.processes(), u.toString());
        assertEquals(listedDescriptors(pid) + listedDescriptors(grandchild), u.openFiles(), u.toString());
    }

    private static boolean nodeInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, "node"))) {
                return true;
            }
        }
        return false;
    }

    private static long threads(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[20 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A Node.js server with worker threads (more threads than the children-file limit used to allow, 8) whose child
     * was spawned by a worker thread, not the main one: the child is counted from the children files of the threads,
     * without the shared pass over {@code /proc}.
     */
    @Test
    void aManyThreadedServersChildIsCountedFromItsThreadsChildrenFilesWithoutAPassOverProc() throws Exception {
        assumeTrue(ProcFs.available(), "needs /proc");
        assumeTrue(nodeInstalled(), "node is not on the PATH");
        String worker = "const c = require('child_process').spawn('sleep', ['300'], {stdio: 'ignore'});"
                + " require('worker_threads').parentPort.postMessage(c.pid); setInterval(() => {}, 1000);";
        String main = "const { Worker } = require('worker_threads');"
                + " const w = new Worker(" + jsString(worker) + ", {eval: true});"
                + " w.on('message', pid => console.log(pid));"
                + " for (let i = 0; i < 3; i++) new Worker('setInterval(() => {}, 1000)', {eval: true});"
                + " setInterval(() => {}, 1000);";
        Process server = reaper.start(new ProcessBuilder("node", "-e", main).directory(dir.toFile())
                .redirectError(dir.resolve("stderr").toFile()));
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.US_ASCII));
        long child = readPid(out);
        reaper.track(child);
        long pid = server.pid();
        assertEquals(pid, ProcFs.stat(child).orElseThrow().ppid, "the sleep is the server's child");
        assertNotEquals(pid, ProcFs.stat(pid).orElseThrow().pgrp, "no group leader: no group pass is due");
        Await.until("the workers run", DEADLINE, () -> threads(pid) > 8);
        long threads = threads(pid);
        assumeTrue(threads <= ProcessTreeResources.CHILDREN_FILES_MAX_THREADS, "node runs " + threads + " threads");

        ProcessIdentity identity = ProcessIdentity.of(pid).orElseThrow();
        ProcessTreeResources resources = new ProcessTreeResources();
        ProcessTreeUsage u = resources.sample(identity);
        assertEquals(2, u.processes(), threads + " threads: " + u);
        assertEquals(0, resources.childrenFromScan(), "no pass over /proc for the children");
        assertTrue(u.memoryBytes() > rssBytes(child), u.toString());
        ProcessTreeUsage again = resources.sample(identity);
        assertEquals(2, again.processes(), again.toString());
        assertTrue(again.cpuUsage() >= 0, "a second sample has a CPU figure: " + again);
        assertEquals(0, resources.childrenFromScan());
    }

    private static String jsString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Samples taken by several threads at once of one instance: each is whole (the instance is thread-safe). */
    @Test
    void concurrentSamplesOfOneInstanceAreEachConsistent() throws Exception {
        assumeTrue(ProcFs.available(), "needs /proc");
        Process server = leader("my $c = fork(); if (!$c) { print \"$$\\n\"; sleep 300; exit 0; }");
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.US_ASCII));
        reaper.track(readPid(out));
        ProcessIdentity identity = ProcessIdentity.of(server.pid()).orElseThrow();
        ProcessTreeResources resources = new ProcessTreeResources();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<ProcessTreeUsage>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(pool.submit(() -> resources.sample(identity)));
            }
            for (java.util.concurrent.Future<ProcessTreeUsage> f : all) {
                ProcessTreeUsage u = f.get(30, TimeUnit.SECONDS);
                assertEquals(2, u.processes(), u.toString());
                assertTrue(u.memoryBytes() > 0 && u.openFiles() >= 6, u.toString());
                assertTrue(Double.isNaN(u.cpuUsage()) || u.cpuUsage() >= 0, u.toString());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
