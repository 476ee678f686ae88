package dev.omega.sessionserver.console;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ServerHistory} of every server of the connected JVM, by name, since the tab opened. A server that
 * vanishes from a refresh loses its history; one that appears starts a new one. Thread-safe.
 */
final class FleetHistory {

    private final Map<String, ServerHistory> servers = new ConcurrentHashMap<>();

    /** Adds each row's memory and CPU sample and forgets the servers the snapshot no longer has. */
    void record(FleetSnapshot snapshot) {
        Set<String> present = new HashSet<>();
        for (ServerRow row : snapshot.rows()) {
            present.add(row.name());
            of(row.name()).sample(snapshot.takenAtMillis(), row);
        }
        servers.keySet().retainAll(present);
    }

    /** The history of server {@code name} (created empty when there is none yet). */
    ServerHistory of(String name) {
        return servers.computeIfAbsent(name, n -> new ServerHistory());
    }
}
