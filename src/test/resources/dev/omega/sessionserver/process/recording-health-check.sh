#!/bin/sh
# An exec: health check that writes where and with what it ran (its working directory, SESSION_SERVER_PORT,
# HEALTH_NOTE, one a line) to the file $1, then exits with the code $2 (0 when not given).
printf '%s\n%s\n%s\n' "$(pwd)" "$SESSION_SERVER_PORT" "$HEALTH_NOTE" > "$1"
exit "${2:-0}"
