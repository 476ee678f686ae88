package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code healthCheckUrl=tcp://host:port} and {@code none}, on servers without HTTP: a Perl program that only
 * listens, and one that only sleeps.
 */
class ProcessManagerHealthKindsTest extends ExampleServerTest {

    /** Listens on 127.0.0.1:$SESSION_SERVER_PORT and closes every connection it accepts. */
    private static final String LISTENER = String.join("\n",
            "use IO::Socket::INET;",
            "my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $ENV{SESSION_SERVER_PORT},",
            "  Listen => 16, ReuseAddr => 1) or die \"listen: $!\";",
            "while (my $c = $s->accept) { close $c }");

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tcpIsHealthyWhenTheServerAcceptsAConnection() throws IOException {
        ProcessManager pm = manager(b -> b.command(List.of("/usr/bin/perl", "-e", LISTENER))
                .healthCheckUrl("tcp://127.0.0.1:" + port));
        assertEquals(HealthCheck.Kind.TCP, pm.options().healthCheckKind());
        assertEquals(HealthCheck.Outcome.REFUSED, pm.checkHealth());

        start(pm); // returns once healthy: the listener accepted

        assertEquals(HealthCheck.Outcome.UP, pm.checkHealth());
        assertEquals(ServerStatus.Condition.RUNNING, pm.status().condition());
        assertTrue(pm.stopServer().stoppedSomething());
        assertEquals(HealthCheck.Outcome.REFUSED, pm.checkHealth());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tcpRefusesToStartWhenSomethingElseListensOnThePort() throws IOException {
        ProcessManager pm = manager(b -> b.command(List.of("/usr/bin/perl", "-e", LISTENER))
                .healthCheckUrl("tcp://127.0.0.1:" + port));
        try (ServerSocket unmanaged = new ServerSocket()) {
            unmanaged.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));

            ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

            assertEquals(ServerStartException.Reason.PORT_SERVED_BY_UNMANAGED_SERVER, e.reason());
            assertTrue(e.getMessage().contains("tcp://127.0.0.1:" + port + " gave UP"), e::getMessage);
        }
        assertEquals(List.of(), reaper.markedProcesses());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void noneIsHealthyWhileTheProcessIsAliveAndSkipsThePortCheck() throws IOException {
        ProcessManager pm = manager(b -> b.command(List.of("/bin/sleep", "300")).healthCheckUrl("NONE"));
        assertEquals(HealthCheck.Kind.NONE, pm.options().healthCheckKind());
        assertEquals("none", pm.options().healthCheckUrl().toString());
        assertEquals(HealthCheck.Outcome.REFUSED, pm.checkHealth(), "nothing runs");
        assertFalse(pm.isServerRunning());

        long pid;
        try (ServerSocket unrelated = new ServerSocket()) { // something on the port: not this check's business
            unrelated.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            pid = start(pm);
        }

        assertEquals(HealthCheck.Outcome.UP, pm.checkHealth());
        assertTrue(pm.isServerRunning());
        assertEquals(ServerStatus.Condition.RUNNING, pm.status().condition());
        assertEquals(pid, pm.status().process().orElseThrow().pid());
        assertTrue(pm.stopServer().stoppedSomething());
        assertEquals(HealthCheck.Outcome.REFUSED, pm.checkHealth());
        assertFalse(pm.isServerRunning());
        assertEquals(ServerStatus.Condition.STOPPED, pm.status().condition());
    }

    @Test
    @Timeout(10)
    void badSchemesAreRefusedNamingTheKey() {
        for (String bad : new String[] {"ftp://localhost/", "tcp://localhost", "tcp://localhost:70000",
                "tcp://localhost:1/path", "nonsense", "udp://127.0.0.1:53"}) {
            InvalidOptionException e = assertThrows(InvalidOptionException.class,
                    () -> ProcessManagerOptions.builder().healthCheckUrl(bad).build(), bad);
            assertEquals("healthCheckUrl", e.key());
            assertEquals(bad, e.value());
        }
        assertEquals(HealthCheck.Kind.HTTPS,
                ProcessManagerOptions.builder().healthCheckUrl("https://localhost:1/h").build().healthCheckKind());
        assertEquals(HealthCheck.Kind.HTTP, ProcessManagerOptions.builder().build().healthCheckKind());
    }
}
