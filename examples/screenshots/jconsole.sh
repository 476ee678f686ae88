#!/usr/bin/env bash
# Retakes jconsole.png (the SessionServerManager MBean's attributes, with one attribute's description as a
# tooltip) and jconsole-operations.png (its operations, with one operation's description as a tooltip), both
# beside this script, from JConsole connected to the standalone host (`java -jar JAR run`) under Xvfb.
#
#   examples/screenshots/jconsole.sh [JAR]      JAR defaults to target/session-server-manager-agent.jar
#
# Builds nothing: run `mvn -B package` first. Needs (Debian): xvfb, imagemagick, xdotool, and a JDK with
# jconsole (JCONSOLE=..., default the JDK 17 one). JAVA=... picks the java that runs the host (default: java).
# Everything it starts (Xvfb, the host, the session server the host spawns, JConsole) runs in a temporary
# directory on a free display and a free port, and is stopped by PID when the script ends, however it ends.
# On a failure the last screen is kept as ${TMPDIR:-/tmp}/jconsole-shot-debug.png.
#
# The clicks are at coordinates in JConsole's own layout (its fixed 900x750 start size, then the window
# resized to 1280x600 at 0,0, Metal look and feel, fonts as on Debian): each step checks pixels to see that
# it happened and fails with the debug screen if not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
JAR=${1:-target/session-server-manager-agent.jar}
JAVA=${JAVA:-java}
JCONSOLE=${JCONSOLE:-/usr/lib/jvm/java-17-openjdk-amd64/bin/jconsole}
OUT_DIR=${OUT_DIR:-$here}
WIN_W=1280 WIN_H=600          # the window (and so the pictures) after connecting
DEBUG_PNG=${TMPDIR:-/tmp}/jconsole-shot-debug.png

# shellcheck source=jconsole-lib.sh
. "$here/jconsole-lib.sh"

check_prerequisites

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jconsole-shot.XXXXXX")
xvfb_pid='' host_pid='' jconsole_pid=''

cleanup() {
    local rc=$?
    stop_pid "$jconsole_pid"
    stop_pid "$host_pid"   # the host leaves a running session server running (detached): stop that too
    stop_server_of "$tmp/s.pid"
    stop_pid "$xvfb_pid"
    finish "$rc"
}
trap cleanup EXIT
trap 'echo "jconsole.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# --- small helpers on the X screen ------------------------------------------------------------------------

# is there a tooltip (Metal: #B8CFE5) in the 60x10 rectangle at x,y of the last shot? Most of it has that color
# then; text covers less, and the borders that have the color too are one pixel thin.
is_tooltip() {
    local share
    share=$(convert "$tmp/screen.png" -crop "60x10+$1+$2" +repage \
        -fx 'abs(r - 184/255) < 0.01 && abs(g - 207/255) < 0.01 && abs(b - 229/255) < 0.01' -format '%[fx:int(100 * mean)]' info:)
    ((share >= 40))
}
# hover at x,y and take shots until a tooltip shows below the mouse (Swing puts it 20 px lower); Swing shows
# it after 0.75 s and hides it after 4 s, so this looks every ~0.3 s for 3 s, then hovers anew (3 tries)
shot_with_tooltip() {
    local x=$1 y=$2 try i
    for ((try = 0; try < 3; try++)); do
        xdotool mousemove "$((x + 15 - 10 * try))" "$((y + 3))" sleep 0.1 mousemove "$x" "$y"
        for ((i = 0; i < 10; i++)); do
            shot
            if is_tooltip "$((x + 5))" "$((y + 24))"; then
                shot # the one kept: the tooltip was already fully painted in the previous one
                return 0
            fi
            sleep 0.1
        done
    done
    die "no tooltip appeared below $x,$y"
}
# --- Xvfb on a free display ----------------------------------------------------------------------------------

start_xvfb "$WIN_W" 800

# --- the standalone host, with the bundled example server, on a free port --------------------------------------

port=$(free_port) || die "no free port found"
# startTimeout: the example server is a single-file Java program, compiled as it starts; on a busy machine
# that can take longer than the default 10 s.
"$JAVA" -jar "$JAR" run "pidFile=$tmp/s.pid,port=$port,healthCheckUrl=http://127.0.0.1:$port/api/health,autoStart=true,startTimeout=60000" \
    >"$tmp/host.out" 2>"$tmp/host.err" &
host_pid=$!
echo "host pid $host_pid, session server on port $port"

await_running 120

# --- JConsole --------------------------------------------------------------------------------------------------

start_jconsole "$host_pid"

# MBeans tab; its tree shows one folder per domain
xdotool mousemove 472 58 click 1
wait_screen 20 "the MBean tree" eval '[[ $(colors 10 74 150 16) -gt 1 ]]'
# widen the tree: drag the split pane's divider from x=170 to x=340 (the tree is white, the panel beside it gray);
# the short pauses between the steps of the drag are settle times for Swing's drag handling (nothing to wait for)
xdotool mousemove 170 400 mousedown 1 sleep 0.2 mousemove 250 400 sleep 0.2 mousemove 340 400 sleep 0.2 mouseup 1
wait_screen 10 "the wider tree" eval '[[ $(pixel 250 400) == "#FFFFFF" ]]'

# Keyboard in the tree: select the first domain, type the domain's name (JTree jumps to the row it starts;
# typed quickly, as its prefix search restarts after a 1 s pause), then open it down to dev.omega.sessionserver >
# SessionServerManager > default > Attributes. The 300 ms between those keys is a settle time (each one expands
# a node that the next one moves into; there is no signal to wait for in between), and the result is checked.
xdotool mousemove 100 81 click 1
xdotool type --delay 50 'dev.omega.sessionserver'
xdotool key --delay 300 Right Down Right Down Right Down
# the attribute table: white rows from y=116 on, where the MBean's info panel would have its yellow "Info:" row
wait_screen 20 "the Attributes table" eval '[[ $(pixel 700 116) == "#FFFFFF" && $(pixel 700 99) != "#FFFFFF" ]]'

wait_settled 10
# Hover the name of the last attribute (the table is sorted by name) so that its description shows below it.
# Its rows are white with gray lines between; the table's empty part below them is the panel's gray.
column() { # "y #RRGGBB" for each pixel of column x from y0 to the window's bottom, in the last shot
    convert "$tmp/screen.png" -crop "1x$((WIN_H - $2))+$1+$2" +repage -depth 8 txt:- |
        awk -v y0="$2" 'NR > 1 { split($1, c, /[,:]/); print c[2] + y0, $3 }'
}
last_row_bottom=$(column 700 116 | awk '!done && $2 == "#EEEEEE" { print y; done = 1 } { y = $1 }')
((last_row_bottom > 116)) || die "could not find the last attribute row"
shot_with_tooltip 370 "$((last_row_bottom - 7))"
save jconsole.png

# Operations: the node below Attributes; open it too, so that the tree lists them
xdotool key --delay 300 Down Right
wait_screen 20 "the Operations panel" eval '[[ $(pixel 700 116) == "#EEEEEE" && $(colors 430 95 20 300) -gt 1 ]]'
wait_settled 10
# the buttons (one per operation, stacked) cross x=440 as runs of 15 px or more that are not the panel's gray
# (the panel's borders are thinner): hover the last one
last_button_mid=$(column 440 95 | awk '
    $2 != "#EEEEEE" { if ($1 != prev + 1) first = $1; prev = $1; next }
    prev - first >= 15 { mid = int((first + prev) / 2) }
    { first = prev = -10 }
    END { print mid + 0 }')
((last_button_mid > 95)) || die "could not find the operation buttons"
shot_with_tooltip 470 "$last_button_mid"
save jconsole-operations.png

# the server was RUNNING throughout
status=$("$JAVA" -jar "$JAR" status "$host_pid") || die "the session server is no longer RUNNING: $status"
echo "$status"
