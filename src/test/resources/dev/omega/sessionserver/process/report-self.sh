#!/bin/sh
# Prints what a spawned server inherited, then waits: its session id and process group, its signal mask and
# ignored signals and where stdin points. Used by PidfdLayerTest.
read -r stat < /proc/$$/stat
rest=${stat##*) }
set -- $rest
echo "pid=$$ ppid=$2 pgrp=$3 session=$4"
grep -E '^Sig(Blk|Ign):' /proc/$$/status
echo "stdin=$(readlink /proc/$$/fd/0)"
echo "cwd=$(pwd)"
echo "ready"
exec sleep 60
