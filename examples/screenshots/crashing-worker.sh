#!/bin/sh
# The server "b" of jconsole-tab.sh: a worker that logs a few lines, runs until the file $WORKER_CRASH_FILE exists
# (the script creates it once JConsole's tab is open, so that the tab sees the crash), then fails with exit code 3.
echo "worker: starting (pid $$, port $SESSION_SERVER_PORT)"
echo "worker: connecting to the queue at 127.0.0.1:5672"
while [ ! -e "$WORKER_CRASH_FILE" ]; do
    sleep 0.2
done
echo "worker: lost the connection to the queue (ECONNRESET); retried 3 times" >&2
echo "worker: giving up, exit code 3" >&2
exit 3
