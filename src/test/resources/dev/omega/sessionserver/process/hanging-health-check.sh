#!/bin/sh
# An exec: health check that never answers: writes "<its pid> <its child's pid>" to the file $1, then waits for the
# child (a sleep of ten minutes), which is in its process group.
sleep 600 &
echo "$$ $!" > "$1.tmp" && mv "$1.tmp" "$1"
wait
