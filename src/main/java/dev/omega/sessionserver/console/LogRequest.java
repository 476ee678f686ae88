package dev.omega.sessionserver.console;

import java.util.Objects;

import javax.management.ObjectName;

/** Which log the log pane wants: server and line count. Immutable; equal when both are. */
final class LogRequest {

    private final ObjectName server;
    private final int lines;

    LogRequest(ObjectName server, int lines) {
        this.server = Objects.requireNonNull(server, "server");
        this.lines = lines;
    }

    ObjectName server() {
        return server;
    }

    int lines() {
        return lines;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogRequest && ((LogRequest) o).server.equals(server) && ((LogRequest) o).lines == lines;
    }

    @Override
    public int hashCode() {
        return server.hashCode() * 31 + lines;
    }

    @Override
    public String toString() {
        return SessionServerJmx.serverName(server) + " last " + lines + " lines";
    }
}
