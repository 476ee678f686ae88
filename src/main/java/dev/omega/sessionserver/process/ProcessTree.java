package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's process tree, for stopping it: the server itself, every member of its process group (when it leads
 * one, as after {@code setsid}), and the descendants of all of these. Each member is held as a {@link ProcessHandle}
 * (which carries its start time, so a signal never reaches a process that reused its PID) together with its start
 * ticks, so the wait for its exit reads one small {@code /proc} file per member and poll.
 *
 * <p>Discovery costs one pass over {@code /proc}; it is done before each signal and once more when everything known
 * has exited (to catch processes forked meanwhile), never per poll. A leader with a child (its threads' children
 * files, read first) has its tree collected before anything is signalled: a child in a session of its own is found
 * only through its parent, and a leader may die within microseconds of the signal. A childless leader gets a SIGTERM
 * stop signal first, before that pass: the PID file and the identity check already prove it (the leader's group is
 * read just before, as the leader may be gone, reaped by its shim, right after). The wait for the exit reads one small {@code /proc} file per
 * member every {@value #POLL_MICROS} µs. Without {@code /proc} (macOS) the tree is the
 * server and its {@link ProcessHandle#descendants()}.
 *
 * <p>Through the pidfd layer ({@link PidfdSupport}, Java 22+) every member is held by a pidfd opened with its start
 * time checked after the open, and every signal (the stop signal, whichever it is, SIGCONT and SIGKILL) goes through
 * it, so none can reach a reused PID. The leader gets the stop signal first; when it has no child, its exit event
 * is awaited before anything else, and an empty process group then ({@code kill(-pgid, 0)}, which sends nothing)
 * ends the stop without any pass over {@code /proc}. Otherwise the tree is walked as above and the waits are the
 * members' exit events, not polls; the last look is again the group probe, the pass over {@code /proc} only when
 * the group still has members.
 *
 * <p>Not thread-safe: one stop uses one instance.
 */
final class ProcessTree {

    static final long KILL_WAIT_MILLIS = 5_000;
    /** How often the wait for the exit reads each member's {@code /proc/<pid>/stat}: about 10 µs a read. */
    static final long POLL_MICROS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessTree.class);

    private final ProcessIdentity leader;
    private final long processGroup; // -1 when the leader does not lead its own group
    private final PidfdProcesses pidfds; // null: the Java 11-21 path (ProcessHandle, Perl, /proc polling)
    private final PidfdProcess leaderPidfd; // null: not held through a pidfd
    private final Map<Long, ProcessTreeMember> members = new LinkedHashMap<>();
    private boolean forced;
    /** The leader, when it already has the stop signal (sent before the tree was looked for); -1 otherwise. */
    private long leaderSignalled = -1;
    private StopSignal stopSignal = StopSignal.TERM;

    private ProcessTree(ProcessIdentity leader, long processGroup, PidfdProcesses pidfds, PidfdProcess leaderPidfd) {
        this.leader = leader;
        this.processGroup = processGroup;
        this.pidfds = pidfds;
        this.leaderPidfd = leaderPidfd;
    }

    /**
     * The tree of {@code leader}; through the pidfd layer where the host has it ({@link PidfdSupport}) and the leader
     * can be held by one (its start time checked after the open).
     */
    static ProcessTree of(ProcessIdentity leader) {
        Optional<ProcFs.Stat> st = ProcFs.stat(leader.pid())
                .filter(s -> leader.startTicks() < 0 || s.startTicks == leader.startTicks());
        long pgrp = st.map(s -> s.pgrp).orElse(-1L);
        PidfdProcesses layer = PidfdSupport.layer().orElse(null);
        PidfdProcess leaderPidfd = layer == null || leader.startTicks() < 0 ? null
                : layer.open(leader.pid(), leader.startTicks()).orElse(null);
        return new ProcessTree(leader, pgrp == leader.pid() ? pgrp : -1, leaderPidfd == null ? null : layer,
                leaderPidfd);
    }

    /** {@link #terminate(ProcessIdentity, long, StopSignal)} with SIGTERM. */
    static StopResult terminate(ProcessIdentity id, long stopTimeoutMillis) throws IOException {
        return terminate(id, stopTimeoutMillis, StopSignal.TERM);
    }

    /**
     * Stops a server's process tree: {@code stopSignal} to the server's process tree (its process group when it leads
     * one, plus its descendants), wait up to the stop timeout for all of it to exit, then SIGKILL what is left.
     * Returns once the tree is gone ({@link StopResult#EXITED_ON_SIGTERM} when the stop signal sufficed, whichever it
     * was). An interrupt cuts both waits short: SIGKILL is still sent, and the stop throws unless the tree is already
     * gone.
     *
     * @throws InterruptedIOException when interrupted before the tree was seen gone (the interrupt status is kept)
     * @throws IOException when something of the tree is still alive {@value #KILL_WAIT_MILLIS} ms after SIGKILL
     */
    static StopResult terminate(ProcessIdentity id, long stopTimeoutMillis, StopSignal stopSignal)
            throws IOException {
        ProcessTree tree = ProcessTree.of(id); // its group is read first: the leader may be gone at once after
        // a leader with children: its tree is known before anything is signalled, since a child in a session of its
        // own is found only through its parent, and a leader may exit within microseconds of the signal
        boolean childless = !ProcFs.hasChildren(id.pid());
        if (!childless) {
            tree.collect();
        }
        boolean leaderSignalled = tree.leaderPidfd != null ? tree.leaderPidfd.signal(stopSignal.linuxNumber())
                : stopSignal == StopSignal.TERM && signalLeaderFirst(id);
        tree.stopSignal = stopSignal;
        tree.leaderSignalled = leaderSignalled ? id.pid() : -1;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stopTimeoutMillis);
        if (leaderSignalled && childless && tree.leaderPidfd != null && tree.leaderAloneAwaited(deadline)) {
            return StopResult.EXITED_ON_SIGTERM;
        }
        tree.signal(false);
        if (tree.awaitGone(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), POLL_MICROS)) {
            return StopResult.EXITED_ON_SIGTERM;
        }
        if (Thread.currentThread().isInterrupted()) {
            LOG.warn("interrupted while waiting for session server pid {} to exit after {}; sending SIGKILL",
                    id.pid(), stopSignal.signalName());
        } else {
            LOG.warn("session server pid {} still running {} ms after {}; sending SIGKILL", id.pid(),
                    stopTimeoutMillis, stopSignal.signalName());
        }
        tree.signal(true);
        if (!tree.awaitGone(KILL_WAIT_MILLIS, POLL_MICROS)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while stopping session server pid " + id.pid()
                        + " (SIGKILL sent) before all of its group was seen to exit; still alive: " + tree.live());
            }
            throw new IOException("session server pid " + id.pid() + " (or a process of its group) is still alive "
                    + KILL_WAIT_MILLIS + " ms after SIGKILL: " + tree.live());
        }
        return StopResult.KILLED;
    }

    /**
     * The pidfd path's short way, for a leader that has the stop signal already and had no child just before it:
     * no pass over
     * {@code /proc} at all. A stopped leader gets SIGCONT; then its exit event is awaited (until the deadline), and
     * when the process group it led is empty then ({@code kill(-pgid, 0)}), the stop is done. Whatever else is
     * found (a child, a member of the group, no exit in time) is left to the full tree walk that follows, which then
     * signals the rest; a process the leader forks meanwhile is in its group and is found there.
     *
     * @return whether the whole tree is gone
     */
    private boolean leaderAloneAwaited(long deadline) {
        if (processGroup <= 0) {
            return false;
        }
        if (ProcFs.stat(leader.pid()).map(st -> st.state == 'T' && st.startTicks == leader.startTicks())
                .orElse(false)) {
            leaderPidfd.signal(SIGCONT);
        }
        return leaderPidfd.awaitExit(deadline - System.nanoTime()) && !Thread.currentThread().isInterrupted()
                && !pidfds.groupExists(processGroup);
    }

    /**
     * SIGTERM to the leader alone, at once, before the tree is looked for (one pass over {@code /proc}): what the PID
     * file and the identity already prove needs no search. The handle is taken before the identity is checked, and
     * {@link ProcessHandle#destroy()} checks the handle's start time, so a PID reused in between is never signalled.
     *
     * @return whether the signal was sent
     */
    private static boolean signalLeaderFirst(ProcessIdentity id) {
        Optional<ProcessHandle> h = ProcessHandle.of(id.pid());
        return h.isPresent() && id.isAlive() && h.get().destroy();
    }

    /**
     * Adds what belongs to the tree now: the leader if it is still the same process, the members of its group, and
     * the descendants of everything known.
     *
     * @return how many members were added
     */
    private int collect() {
        int before = members.size();
        if (!ProcFs.available()) {
            if (leader.isAlive()) {
                ProcessHandle.of(leader.pid()).ifPresent(h -> {
                    members.putIfAbsent(h.pid(), new ProcessTreeMember(h, -1));
                    h.descendants().forEach(d -> members.putIfAbsent(d.pid(), new ProcessTreeMember(d, -1)));
                });
            }
            return members.size() - before;
        }
        Map<Long, ProcFs.Stat> all = ProcFs.allProcesses();
        Deque<Long> roots = new ArrayDeque<>();
        ProcFs.Stat leaderStat = all.get(leader.pid());
        if (leaderStat != null && !leaderStat.exited() && leaderStat.startTicks == leader.startTicks()) {
            roots.add(leader.pid());
        }
        for (Map.Entry<Long, ProcFs.Stat> e : all.entrySet()) {
            if (processGroup > 0 && e.getValue().pgrp == processGroup && !e.getValue().exited()) {
                roots.add(e.getKey());
            }
        }
        for (Long known : members.keySet()) {
            ProcFs.Stat st = all.get(known);
            if (st != null && st.startTicks == members.get(known).startTicks) {
                roots.add(known);
            }
        }
        Map<Long, List<Long>> children = new LinkedHashMap<>();
        all.forEach((pid, st) -> children.computeIfAbsent(st.ppid, k -> new ArrayList<>()).add(pid));
        while (!roots.isEmpty()) {
            long pid = roots.poll();
            ProcFs.Stat st = all.get(pid);
            if (st == null || st.exited()) {
                continue;
            }
            if (!members.containsKey(pid)) {
                if (pidfds != null) {
                    Optional<PidfdProcess> fd = pid == leader.pid() && leaderPidfd != null ? Optional.of(leaderPidfd)
                            : pidfds.open(pid, st.startTicks); // its start time checked after the open
                    if (fd.isEmpty()) {
                        continue; // gone, or that PID is another process now
                    }
                    members.put(pid, new ProcessTreeMember(null, st.startTicks, fd.get()));
                    roots.addAll(children.getOrDefault(pid, List.of()));
                    continue;
                }
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                if (h.isEmpty()) {
                    continue;
                }
                members.put(pid, new ProcessTreeMember(h.get(), st.startTicks));
            } else if (members.get(pid).startTicks != st.startTicks) {
                continue; // that PID is another process now
            }
            roots.addAll(children.getOrDefault(pid, List.of()));
        }
        return members.size() - before;
    }

    /**
     * The stop signal ({@code force == false}) or SIGKILL to every member still alive. After the stop signal, members
     * stopped by a signal (SIGSTOP, SIGTSTP: state {@code T}) also get SIGCONT, as systemd does, so that they can
     * handle it now rather than be killed at the stop timeout; without {@code /proc} every member gets it. A stopped
     * member is alive, never taken for gone.
     *
     * <p>Through the pidfd layer every signal goes through the member's pidfd. Otherwise SIGTERM and SIGKILL go
     * through {@link ProcessHandle} (which checks the process's start time first), and the signals Java cannot send
     * through {@link SignalCommand} (start ticks checked in the same instant).
     */
    void signal(boolean force) {
        forced = force;
        collect();
        List<ProcessTreeMember> stopped = new ArrayList<>();
        List<ProcessTreeMember> byCommand = new ArrayList<>();
        for (ProcessTreeMember m : members.values()) {
            if (m.pidfd != null) {
                signalThroughPidfd(m, force);
                continue;
            }
            if (m.alive()) {
                if (force) {
                    m.handle.destroyForcibly();
                } else {
                    if (m.handle.pid() == leaderSignalled) {
                        leaderSignalled = -1; // it has it already: one SIGTERM, not two
                    } else if (stopSignal == StopSignal.TERM) {
                        m.handle.destroy();
                    } else {
                        byCommand.add(m);
                    }
                    if (!ProcFs.available()
                            || ProcFs.stat(m.handle.pid()).map(st -> st.state == 'T').orElse(false)) {
                        stopped.add(m);
                    }
                }
            }
        }
        if (!byCommand.isEmpty()) {
            sendSignal(stopSignal.name(), byCommand);
        }
        if (!stopped.isEmpty()) {
            sendSignal("CONT", stopped);
        }
    }

    private static final int SIGKILL = 9;
    private static final int SIGCONT = 18;

    /**
     * The pidfd path of {@link #signal(boolean)}: every signal through the member's pidfd, so none can reach a reused
     * PID; SIGCONT after the stop signal to a member stopped by a signal (state {@code T}).
     */
    private void signalThroughPidfd(ProcessTreeMember m, boolean force) {
        if (force) {
            m.pidfd.signal(SIGKILL);
            return;
        }
        if (m.pidfd.pid() == leaderSignalled) {
            leaderSignalled = -1; // it has it already: one stop signal, not two
        } else if (!m.pidfd.signal(stopSignal.linuxNumber())) {
            return; // exited
        }
        if (ProcFs.stat(m.pidfd.pid()).map(st -> st.state == 'T' && st.startTicks == m.startTicks).orElse(false)) {
            m.pidfd.signal(SIGCONT);
        }
    }

    /** {@code signal} to these members through {@link SignalCommand}: their PIDs with their start ticks. */
    static void sendSignal(String signal, List<ProcessTreeMember> targets) {
        long[][] pidsAndTicks = new long[targets.size()][];
        for (int i = 0; i < targets.size(); i++) {
            pidsAndTicks[i] = new long[] {targets.get(i).handle.pid(), targets.get(i).startTicks};
        }
        SignalCommand.send(signal, pidsAndTicks);
    }

    /**
     * Waits until the leader and every member have exited (a zombie counts as exited), at most {@code timeoutMillis}.
     * When all known members are gone, one more look finds processes forked meanwhile; they get the last signal sent
     * and are waited for too.
     */
    boolean awaitGone(long timeoutMillis, long pollMicros) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            if (pidfds != null) {
                awaitPidfds(deadline);
            }
            if (live().isEmpty()) {
                if (pidfds != null && processGroup > 0 && !pidfds.groupExists(processGroup)) {
                    // everything known has exited and the group is empty: a pass over /proc finds nothing more
                    return true;
                }
                if (collect() == 0 || live().isEmpty()) {
                    return true;
                }
                signal(forced); // newcomers missed the signal
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pollMicros));
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    /**
     * Waits, until the deadline, for the exit events of the leader and of every member held through a pidfd: no
     * polling. Returns early on an interrupt (the status is kept).
     */
    private void awaitPidfds(long deadline) {
        List<PidfdProcess> waitFor = new ArrayList<>();
        waitFor.add(leaderPidfd);
        for (ProcessTreeMember m : members.values()) {
            if (m.pidfd != null && m.pidfd != leaderPidfd) {
                waitFor.add(m.pidfd);
            }
        }
        for (PidfdProcess p : waitFor) {
            if (!p.awaitExit(deadline - System.nanoTime()) || Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /**
     * Collects the tree now (one pass over {@code /proc}, as before a stop's signal) and returns the members that
     * are alive, the leader first: what an operator's signal goes to ({@link ServerSignals}).
     */
    List<ProcessTreeMember> collectLive() {
        collect();
        List<ProcessTreeMember> live = new ArrayList<>();
        for (ProcessTreeMember m : members.values()) {
            if (m.alive()) {
                live.add(m);
            }
        }
        return live;
    }

    /** PIDs of members that have not exited. */
    List<Long> live() {
        List<Long> live = new ArrayList<>();
        if (leaderPidfd != null ? !leaderPidfd.hasExited() : leader.isAlive()) {
            live.add(leader.pid());
        }
        for (ProcessTreeMember m : members.values()) {
            long pid = m.pid();
            if (pid != leader.pid() && m.alive()) {
                live.add(pid);
            }
        }
        return live;
    }
}
