# Shared by jconsole.sh and jconsole-tab.sh (sourced, not run): stopping what a script started, shots of the Xvfb
# screen and pixel checks on them, Xvfb on a free display, a free port, and JConsole started and connected.
# The calling script sets: JAR, JAVA, JCONSOLE, OUT_DIR, WIN_W, WIN_H, DEBUG_PNG, tmp (its temporary directory),
# host_pid, and the variables xvfb_pid and jconsole_pid (which these functions set and the script's cleanup stops).

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Checks that the jar, JConsole, the X tools and java are there, and makes JAR absolute.
check_prerequisites() {
    [[ -f $JAR ]] || die "no agent jar at $JAR (build it with: mvn -B package)"
    [[ -x $JCONSOLE ]] || die "no jconsole at $JCONSOLE (set JCONSOLE=/path/to/jdk/bin/jconsole)"
    local tool
    for tool in Xvfb xdotool import convert compare; do
        command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y xvfb imagemagick xdotool)"
    done
    command -v "$JAVA" >/dev/null || die "no $JAVA on PATH (set JAVA=...)"
    JAR=$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")
}

# The end of a script's cleanup, once it stopped what it started: on a failure ($1 not 0) keeps the last screen as
# DEBUG_PNG and shows the host's last lines of stderr; removes tmp; exits with $1.
finish() {
    local rc=$1
    if ((rc != 0)) && [[ -f $tmp/screen.png ]]; then
        cp "$tmp/screen.png" "$DEBUG_PNG" && echo "$(basename "$0"): last screen kept as $DEBUG_PNG" >&2
    fi
    if ((rc != 0)) && [[ -f $tmp/host.err ]]; then
        echo "--- host stderr (last lines):" >&2
        tail -n 5 "$tmp/host.err" >&2
    fi
    rm -rf "$tmp"
    exit "$rc"
}

# Waits (up to $1 seconds) until `status <host_pid>` says every server of the host is RUNNING; prints its lines.
await_running() {
    local deadline=$((SECONDS + $1)) status=''
    until status=$("$JAVA" -jar "$JAR" status "$host_pid" 2>/dev/null); do
        kill -0 "$host_pid" 2>/dev/null || die "the host exited: $(cat "$tmp/host.out" "$tmp/host.err")"
        ((SECONDS < deadline)) || die "the session servers were not RUNNING within $1 s: ${status:-no status}"
        sleep 1
    done
    echo "$status"
}

# SIGTERM, then SIGKILL if still there after 10 s; a zombie counts as gone.
stop_pid() {
    local pid=$1 i state
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
        [[ $state == Z ]] && return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# Stops the session server whose PID is the first line of PID file $1, only if its command line names the script's
# temporary directory (so only a server the script's own host started).
stop_server_of() {
    local pid_file=$1 server_pid
    [[ -f $pid_file ]] || return 0
    server_pid=$(head -n 1 "$pid_file")
    if [[ $server_pid =~ ^[0-9]+$ ]] && { tr '\0' ' ' <"/proc/$server_pid/cmdline"; } 2>/dev/null | grep -qF "$tmp/"; then
        stop_pid "$server_pid"
    fi
}

shot() { import -window root "$tmp/screen.png"; }
# color of pixel x,y of the last shot as #RRGGBB
pixel() { convert "$tmp/screen.png" -crop "1x1+$1+$2" +repage -depth 8 -format '#%[hex:p{0,0}]' info: | cut -c1-7; }
# number of distinct colors in the w x h rectangle at x,y of the last shot (1: nothing drawn there)
colors() { convert "$tmp/screen.png" -crop "$3x$4+$1+$2" +repage -format '%k' info:; }
# share of yellow pixels (JConsole's warning icon) in the w x h rectangle at x,y of the last shot
yellow() { convert "$tmp/screen.png" -crop "$3x$4+$1+$2" +repage -fx 'r>0.8 && g>0.7 && b<0.5' -format '%[fx:mean>0]' info:; }
# take shots until two in a row are the same (up to $1 seconds): JConsole fills its panels asynchronously
wait_settled() {
    local deadline=$((SECONDS + $1))
    shot
    while ((SECONDS < deadline)); do
        cp "$tmp/screen.png" "$tmp/previous.png"
        sleep 0.3
        shot
        [[ $(compare -metric AE "$tmp/previous.png" "$tmp/screen.png" null: 2>&1) == 0 ]] && return 0
    done
    die "the screen did not settle within $1 s"
}
# wait (up to $1 seconds) until the command "${@:3}" succeeds, taking a shot before each try ($2: what, for the error)
wait_screen() {
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    while ((SECONDS < deadline)); do
        shot
        "$@" && return 0
        sleep 0.3
    done
    die "timed out waiting for: $what"
}
save() { # save the last shot, cropped to the window, as $OUT_DIR/$1
    convert "$tmp/screen.png" -crop "${WIN_W}x${WIN_H}+0+0" +repage -strip -define png:compression-level=9 "$OUT_DIR/$1"
    echo "wrote $OUT_DIR/$1 ($(du -k "$OUT_DIR/$1" | cut -f1) KB)"
}

# Xvfb on a free display, $1 x $2 pixels; exports DISPLAY
start_xvfb() {
    local deadline=$((SECONDS + 20))
    Xvfb -displayfd 3 -screen 0 "$1x$2x24" -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
    xvfb_pid=$!
    until [[ -s $tmp/display ]]; do
        kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb exited: $(cat "$tmp/xvfb.log")"
        ((SECONDS < deadline)) || die "Xvfb did not report a display within 20 s"
        sleep 0.1
    done
    export DISPLAY=:$(head -n 1 "$tmp/display")
    echo "Xvfb on $DISPLAY (pid $xvfb_pid)"
}

free_port() {
    local p i
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# Starts "$JCONSOLE" "$@" (the last argument the PID to connect to) and waits until it is connected; sets win to
# its window. Connected once the MBeans tab (right of Overview, Memory, Threads, Classes, VM Summary) and the
# Overview's charts are drawn.
# On the way JConsole may ask "Secure connection failed. Retry insecurely?" (its local connection is not SSL):
# click "Insecure connection". Both are placed inside the 900x750 window JConsole starts with. Then the window is
# moved to 0,0 and resized to WIN_W x WIN_H (no window manager: no decorations) and given the keyboard focus.
start_jconsole() {
    local deadline=$((SECONDS + 60))
    "$JCONSOLE" "$@" >"$tmp/jconsole.log" 2>&1 &
    jconsole_pid=$!
    win=''
    until win=$(xdotool search --name '^Java Monitoring & Management Console$' 2>/dev/null | head -n 1) && [[ -n $win ]]; do
        kill -0 "$jconsole_pid" 2>/dev/null || die "jconsole exited: $(cat "$tmp/jconsole.log")"
        ((SECONDS < deadline)) || die "no JConsole window within 60 s"
        sleep 0.3
    done
    eval "$(xdotool getwindowgeometry --shell "$win")" # X Y WIDTH HEIGHT
    deadline=$((SECONDS + 90))
    until shot && ! insecure_dialog && connected; do
        ((SECONDS < deadline)) || die "JConsole did not connect within 90 s"
        if insecure_dialog; then
            echo "JConsole asks to retry without SSL: Insecure connection"
            xdotool mousemove "$((X + 362))" "$((Y + 202))" click 1
            wait_screen 30 "the dialog to close" eval '! insecure_dialog'
        fi
        sleep 0.5
    done
    echo "JConsole connected"
    xdotool windowmove "$win" 0 0 windowsize "$win" "$WIN_W" "$WIN_H"
    wait_screen 10 "the window at 0,0 and ${WIN_W}x$WIN_H" window_resized
    xdotool windowfocus --sync "$win" # no window manager gives it the keyboard focus
}
# the tabs exist before the connection does, the Overview's light charts only after it (before, the panel is gray
# #BEBEBE); seen in two shots in a row, as the dialog may come up between them
connected() { overview_drawn && sleep 0.5 && shot && ! insecure_dialog && overview_drawn; }
overview_drawn() {
    [[ $(colors "$((X + 445))" "$((Y + 53))" 60 10) -gt 1 && $(convert "$tmp/screen.png" -crop "1x1+$((X + 300))+$((Y + 250))" \
        +repage -format '%[fx:(r > 0.87 && g > 0.87 && b > 0.87) ? 1 : 0]' info:) == 1 ]]
}
insecure_dialog() { [[ $(yellow "$((X + 275))" "$((Y + 50))" 30 30) == 1 ]]; }
window_resized() { eval "$(xdotool getwindowgeometry --shell "$win")"; ((X == 0 && Y == 0 && WIDTH == WIN_W && HEIGHT == WIN_H)); }
