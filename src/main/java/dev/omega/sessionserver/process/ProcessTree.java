package dev.omega.sessionserver.process;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server's process tree, for stopping it: the server itself, every member of its process group (when it leads
 * one, as after {@code setsid}), and its descendants. Members are held as {@link ProcessHandle}s, which carry their
 * start time, so a signal never reaches a process that reused one of their PIDs.
 *
 * <p>Not thread-safe: one stop uses one instance.
 */
final class ProcessTree {

    private final ProcessIdentity leader;
    private final long processGroup; // -1 when the leader does not lead its own group
    private final Map<Long, ProcessHandle> members = new LinkedHashMap<>();
    private boolean forced;

    private ProcessTree(ProcessIdentity leader, long processGroup) {
        this.leader = leader;
        this.processGroup = processGroup;
    }

    static ProcessTree of(ProcessIdentity leader) {
        long pgrp = ProcFs.stat(leader.pid()).map(s -> s.pgrp).orElse(-1L);
        ProcessTree tree = new ProcessTree(leader, pgrp == leader.pid() ? pgrp : -1);
        tree.collect();
        return tree;
    }

    /** Adds what belongs to the tree now: the leader if it is still the same process, its group, its descendants. */
    private void collect() {
        if (leader.isAlive()) {
            ProcessHandle.of(leader.pid()).ifPresent(h -> {
                members.putIfAbsent(h.pid(), h);
                h.descendants().forEach(d -> members.putIfAbsent(d.pid(), d));
            });
        }
        if (processGroup > 0) {
            for (long pid : ProcFs.processGroupMembers(processGroup)) {
                ProcessHandle.of(pid).ifPresent(h -> members.putIfAbsent(pid, h));
            }
        }
    }

    /** SIGTERM ({@code force == false}) or SIGKILL to every member still alive. */
    void signal(boolean force) {
        forced = force;
        collect();
        for (ProcessHandle h : members.values()) {
            if (h.isAlive()) {
                if (force) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            }
        }
    }

    /**
     * Waits until the leader and every member have exited (a zombie counts as exited), at most {@code timeoutMillis}.
     * Late members (forked after the signal) are found by a last look at the group before answering yes; they get the
     * same treatment on the next {@link #signal}.
     */
    boolean awaitGone(long timeoutMillis, long pollMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            if (live().isEmpty()) {
                int before = members.size();
                collect();
                if (members.size() == before || live().isEmpty()) {
                    return true;
                }
                signal(forced); // newcomers missed the signal
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** PIDs of members that have not exited. */
    List<Long> live() {
        List<Long> live = new ArrayList<>();
        if (leader.isAlive()) {
            live.add(leader.pid());
        }
        for (ProcessHandle h : members.values()) {
            if (h.pid() != leader.pid() && alive(h)) {
                live.add(h.pid());
            }
        }
        return live;
    }

    private static boolean alive(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        Optional<ProcFs.Stat> st = ProcFs.stat(h.pid());
        if (ProcFs.available()) {
            return st.isPresent() && !st.get().exited();
        }
        return true;
    }
}
