#!/usr/bin/env bash
# Retakes the pictures of JConsole's "Session Servers" tab (the agent jar as a JConsole plugin), beside this script:
#   jconsole-tab.png         the tab with two servers: a RUNNING, b in BACKOFF after a crash (b selected: its
#                            crash and state change among the notifications)
#   jconsole-tab-charts.png  a selected, after a Restart from the tab: its memory (RSS) and CPU charts and the state
#                            changes of the restart among the notifications
#   jconsole-tab-log.png     the Log pane of b: the last lines of its log, which say why it crashed
# from the real JConsole (`jconsole -interval=2 -pluginpath JAR <pid>`) connected to the standalone host
# (`java -jar JAR run config=...` with servers=a,b) under Xvfb.
#
#   examples/screenshots/jconsole-tab.sh [JAR]      JAR defaults to target/session-server-manager-agent.jar
#
# Builds nothing: run `mvn -B package` first. Needs (Debian): xvfb, imagemagick, xdotool, and a JDK with jconsole
# (JCONSOLE=..., default the JDK 17 one). JAVA=... picks the java that runs the host (default: java). Everything it
# starts (Xvfb, the host, the servers the host spawns, JConsole) runs in a temporary directory on a free display and
# free ports, and is stopped by PID when the script ends, however it ends. On a failure the last screen is kept as
# ${TMPDIR:-/tmp}/jconsole-tab-shot-debug.png.
#
# Server a is the bundled example server. Server b is crashing-worker.sh (beside this script) with
# healthCheckUrl=none, restart=on-failure and a 10-minute restartDelay: once it crashes it stays in BACKOFF for
# the pictures. The clicks are at coordinates in JConsole's layout (the window at 0,0, 1280x800, Metal look and
# feel, fonts as on Debian) and in the tab's own layout; each step checks pixels (the State colours, the panes'
# contents) to see that it happened, and fails with the debug screen if not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
JAR=${1:-target/session-server-manager-agent.jar}
JAVA=${JAVA:-java}
JCONSOLE=${JCONSOLE:-/usr/lib/jvm/java-17-openjdk-amd64/bin/jconsole}
OUT_DIR=${OUT_DIR:-$here}
WIN_W=1280 WIN_H=800          # the window (and so the pictures) after connecting
DEBUG_PNG=${TMPDIR:-/tmp}/jconsole-tab-shot-debug.png

# shellcheck source=jconsole-lib.sh
. "$here/jconsole-lib.sh"

check_prerequisites

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jconsole-tab-shot.XXXXXX")
xvfb_pid='' host_pid='' jconsole_pid=''

cleanup() {
    local rc=$?
    stop_pid "$jconsole_pid"
    stop_pid "$host_pid"   # the host leaves running servers running (detached): stop those too
    stop_server_of "$tmp/run/a.pid"
    stop_server_of "$tmp/run/b.pid"
    stop_pid "$xvfb_pid"
    finish "$rc"
}
trap cleanup EXIT
trap 'echo "jconsole-tab.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# The tab's places, in the 1280x800 window: the table's first two rows (where their State cells are looked for),
# where to click to select a or b, the Restart button, the Log pane's tab
ROW_A_Y=125 ROW_B_Y=141 NAME_X=40
RESTART_X=202 BUTTONS_Y=242
LOG_TAB_X=158 PANES_Y=279
GREEN='#2E8B3A' AMBER='#F0A30A'
# does row y of the table hold a pixel of colour $2 (the State cell; wherever the JDK's table puts that column)?
state_is() { convert "$tmp/screen.png" -crop "500x1+0+$1" +repage -depth 8 txt:- | grep -qi " $2 "; }
# the result area beside the buttons holds text once an operation answered
result_shown() { [[ $(colors 520 232 700 22) -gt 1 ]]; }
log_shown() { [[ $(colors 20 330 600 300) -gt 1 ]]; }
# a's PID, from `status` (its first line is a's: name=a State=... Pid=N ...)
pid_of_a() {
    { "$JAVA" -jar "$JAR" status "$host_pid" 2>/dev/null || true; } | sed -n 's/^name=a State=RUNNING Pid=\([0-9]*\) .*/\1/p'
}

# --- Xvfb, and the host with servers a and b -------------------------------------------------------------------

start_xvfb "$WIN_W" "$WIN_H"

port_a=$(free_port) || die "no free port found"
port_b=$(free_port) || die "no free port found"
mkdir "$tmp/run"
# b runs from the temporary directory, so that its command line names it (what stop_server_of checks)
cp "$here/crashing-worker.sh" "$tmp/crashing-worker.sh"
cat >"$tmp/servers.properties" <<PROPERTIES
servers=a,b
autoStart=true
healthInterval=1000
a.port=$port_a
a.pidFile=run/a.pid
a.healthCheckUrl=http://127.0.0.1:$port_a/api/health
a.startTimeout=60000
b.serverScript=$tmp/crashing-worker.sh
b.port=$port_b
b.pidFile=run/b.pid
b.healthCheckUrl=none
b.restart=on-failure
b.restartDelay=600000
b.restartMaxDelay=600000
b.env.WORKER_CRASH_FILE=$tmp/crash-b
PROPERTIES
"$JAVA" -jar "$JAR" run "config=$tmp/servers.properties" >"$tmp/host.out" 2>"$tmp/host.err" &
host_pid=$!
echo "host pid $host_pid, servers a (port $port_a) and b (port $port_b)"

await_running 120

# --- JConsole with the plugin, its "Session Servers" tab ---------------------------------------------------------

start_jconsole -interval=2 -pluginpath "$JAR" "$host_pid"
# the tab is the last one, right of MBeans
xdotool mousemove 578 58 click 1
wait_screen 20 "the tab's table with a RUNNING" state_is "$ROW_A_Y" "$GREEN"

# b crashes now, while the tab listens: restart=on-failure puts it in BACKOFF for 10 minutes
touch "$tmp/crash-b"
wait_screen 20 "b in BACKOFF" state_is "$ROW_B_Y" "$AMBER"
xdotool mousemove "$NAME_X" "$ROW_B_Y" click 1
sleep 4 # two refreshes (-interval=2) for the detail pane to list b's notifications; then the screen must settle
wait_settled 10
save jconsole-tab.png

# a: let the charts gather samples, then Restart it from the tab (OK in the confirmation), and gather some more
xdotool mousemove "$NAME_X" "$ROW_A_Y" click 1
old_pid=$(pid_of_a)
[[ -n $old_pid ]] || die "a is not RUNNING before the restart"
sleep 30 # samples for the charts: one every 2 s (nothing to wait for but time)
xdotool mousemove "$RESTART_X" "$BUTTONS_Y" click 1
deadline=$((SECONDS + 10))
until dialog=$(xdotool search --name '^Session Servers$' 2>/dev/null | head -n 1) && [[ -n $dialog ]]; do
    ((SECONDS < deadline)) || { shot; die "no confirmation dialog within 10 s"; }
    sleep 0.2
done
# OK is left of Cancel, centred at the bottom of the dialog (no window manager: keys do not reach it, clicks do)
eval "$(xdotool getwindowgeometry --shell "$dialog")"
xdotool mousemove "$((X + WIDTH / 2 - 39))" "$((Y + HEIGHT - 26))" click 1
wait_screen 90 "a restarted (a new PID, RUNNING)" eval '[[ -n $(pid_of_a) && $(pid_of_a) != "$old_pid" ]]'
wait_screen 20 "the restart's result beside the buttons" result_shown
sleep 20 # more samples after the restart
wait_settled 10
save jconsole-tab-charts.png

# b's Log pane: why it crashed
xdotool mousemove "$NAME_X" "$ROW_B_Y" click 1
xdotool mousemove "$LOG_TAB_X" "$PANES_Y" click 1
wait_screen 20 "b's log in the Log pane" log_shown
wait_settled 10
save jconsole-tab-log.png

# a was RUNNING and b in BACKOFF throughout the last pictures
"$JAVA" -jar "$JAR" status "$host_pid" || true
