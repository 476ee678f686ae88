package dev.omega.sessionserver.jmx;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * What every MBean test with real servers shares: its own directory and free port, a {@link JmxFixture} (fresh
 * MBeanServer, scheduler, managers; closed after the test), and a reaper that kills by PID what the test started.
 */
abstract class JmxFixtureTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;
    JmxFixture jmx;

    @BeforeEach
    void createFixture() {
        jmx = new JmxFixture(reaper, dir, FreePort.find());
    }

    @AfterEach
    void closeFixture() {
        jmx.close();
    }
}
