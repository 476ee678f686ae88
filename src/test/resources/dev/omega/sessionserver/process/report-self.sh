#!/bin/sh
# Prints what a spawned server inherited, then becomes `sleep 60`: its session id and process group, where stdin
# points and its working directory. (Its signals are read from /proc after the exec: the shell blocks signals
# around its own forks.) Used by PidfdLayerTest.
read -r stat < /proc/$$/stat
rest=${stat##*) }
set -- $rest
echo "pid=$$ ppid=$2 pgrp=$3 session=$4"
echo "stdin=$(readlink /proc/$$/fd/0)"
echo "cwd=$(pwd)"
echo "ready"
exec sleep 60
