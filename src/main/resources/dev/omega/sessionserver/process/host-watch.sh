# host-watch.sh: what host-watch.pl does, for a machine without perl (a Java 22+ host on the pidfd path): stops a
# server when the JVM that spawned it dies without stopping it (kill -9, a crash), for stopWithHost=true.
#
# Run by HostWatcher as `[setsid] bash -c <this text> host-watch PID START_TICKS SIGNAL STOP_TIMEOUT_MS`, a child
# of the host JVM, with the same arguments as host-watch.pl:
#   PID START_TICKS  the server, as Java recorded it (field 22 of /proc/<pid>/stat): only that process is meant
#   SIGNAL           the stop signal's number (15 for TERM)
#   STOP_TIMEOUT_MS  how long the server's process group has after the signal before SIGKILL
# stdin is a pipe whose only writer is the host JVM (the JVM keeps its end open, and writes nothing, for as long as
# it runs); stdout and stderr are /dev/null.
#
# How it knows the host died: the kernel closes the host's end of the pipe when the host's process ends, however it
# ends, so `read` sees end-of-file. Until then `read -t 0.1` times out every 100 ms (no process is forked while it
# waits), and each time it looks at the server:
#   the server   gone (no such PID, a zombie, or other start ticks: the PID was reused): it exits at once, 0.
#                So it never outlives the server.
#   the host     end-of-file on stdin: it signals the server's process group (the server leads it), waits up to
#                STOP_TIMEOUT_MS for the group to empty, sends SIGKILL to what is left, and exits 0.
# Identity: the server's start ticks are compared just before the group is signalled; a group id is not reused while
# the group has a member, so the later signals (kill -0 first) reach only what is left of the server's group.
# SIGINT, SIGHUP and SIGQUIT are ignored: a Ctrl-C or hang-up in the host's terminal is the host's to handle.

pid=$1 ticks=$2 sig=$3 timeout_ms=$4
trap '' INT HUP QUIT
cd / || exit 1

# Whether the server still runs: its /proc entry, not a zombie, with the recorded start ticks.
server_alive() {
    local stat
    read -r stat < "/proc/$pid/stat" 2> /dev/null || return 1
    # The fields after the command name (which may hold spaces and ')') start after the last ')'; $1 is field 3.
    stat=${stat##*) }
    set -- $stat
    [[ $1 != Z && $1 != X && ${20} == "$ticks" ]]
}

while server_alive; do
    read -r -t 0.1 _
    rc=$?
    if (( rc > 128 )); then
        continue # timed out: the host is still there
    fi
    if (( rc == 0 )); then
        continue # the host wrote a line (it never does): not an end
    fi
    # End-of-file: the host is gone and the server still runs (looked at once more): stop its process group.
    server_alive || exit 0
    kill "-$sig" -- "-$pid" 2> /dev/null || exit 0
    waited=0
    while (( waited < timeout_ms )) && kill -0 -- "-$pid" 2> /dev/null; do
        sleep 0.05
        (( waited += 50 ))
    done
    kill -KILL -- "-$pid" 2> /dev/null
    exit 0
done
exit 0
