#!/usr/bin/env sh
# Loads the session-server-manager agent into a running JVM and waits until its MBean is registered.
#
#   agent/attach.sh <pid> [key=value,...]        e.g. agent/attach.sh 12345 config=agent/agent.properties
#   agent/attach.sh list                         the local JVMs (pid and display name)
#   agent/attach.sh status <pid>                 each session server's state in that JVM; exit 0 only when all are
#                                                RUNNING (9 some are not, 10 none registered); loads nothing
#
# Run it as the user that owns the target JVM, with a JDK's java (JAVA_HOME, else java on the PATH). The agent jar is
# SESSION_SERVER_AGENT_JAR, else session-server-manager-agent.jar beside this script, else the build's
# target/session-server-manager-agent.jar. Exit codes are the CLI's (0 attached; see `java -jar <jar> --help`).
# Java 21+ targets print a warning for a dynamically loaded agent unless started with -XX:+EnableDynamicAgentLoading;
# a target started with -XX:-EnableDynamicAgentLoading refuses (exit 6): give it -javaagent instead.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
jar=${SESSION_SERVER_AGENT_JAR:-}
if [ -z "$jar" ]; then
  for candidate in "$here/session-server-manager-agent.jar" "$here/../target/session-server-manager-agent.jar"; do
    if [ -f "$candidate" ]; then
      jar=$candidate
      break
    fi
  done
fi
if [ -z "$jar" ] || [ ! -f "$jar" ]; then
  echo "attach.sh: agent jar not found; build it (mvn -B package) or set SESSION_SERVER_AGENT_JAR" >&2
  exit 1
fi

if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi

if [ $# -lt 1 ]; then
  echo "usage: $0 <pid> [key=value,...] | $0 list | $0 status <pid>" >&2
  exit 2
fi
if [ "$1" = "list" ] || [ "$1" = "status" ]; then
  exec "$java" -jar "$jar" "$@"
fi
exec "$java" -jar "$jar" attach "$@"
