#!/bin/sh
# The signal sentinel of the tests (SignalSentinel): sh signal-sentinel.sh MARKER READY
# Traps SIGTERM, SIGHUP and SIGINT and, instead of dying, appends the signal's name to MARKER; writes READY once its
# traps are set. It ends by itself when the JVM that started it is gone (its parent, $PPID when it started), so that
# a test JVM killed before its teardown (a timed-out mutation test, a kill -9) leaves no sentinel behind.
# A shell started with SIGHUP or SIGINT ignored (nohup, a background job) cannot trap them: SIGTERM always is.
marker=$1
ready=$2
trap 'echo TERM >> "$marker"' TERM
trap 'echo HUP >> "$marker"' HUP
trap 'echo INT >> "$marker"' INT
: > "$ready"
while [ -d "/proc/$PPID" ]; do
    sleep 0.05
done
