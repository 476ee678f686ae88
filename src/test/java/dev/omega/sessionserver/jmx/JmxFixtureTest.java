package dev.omega.sessionserver.jmx;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.CapturedStderr;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.TmpfsMount;

/**
 * What every MBean test with real servers shares: its own directory and free port, a {@link JmxFixture} (fresh
 * MBeanServer, scheduler, managers; closed after the test), and a reaper that kills by PID what the test started.
 * On request, a small tmpfs ({@link #mountTmpfs}) and a capture of the log lines ({@link #captureStderr}); teardown
 * kills the test's servers before it unmounts, since they write into the mount.
 */
abstract class JmxFixtureTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;
    JmxFixture jmx;
    /** The log lines since {@link #captureStderr()}; null before. */
    CapturedStderr stderr;
    private TmpfsMount tmpfs;

    @BeforeEach
    void createFixture() {
        jmx = new JmxFixture(reaper, dir, FreePort.find());
    }

    /** Mounts a tmpfs of {@code bytes} on {@code mountPoint}; skips the test with a message unless it runs as root. */
    void mountTmpfs(Path mountPoint, long bytes) throws Exception {
        TmpfsMount.assumeRoot("filling a file system (a tmpfs mount)");
        tmpfs = TmpfsMount.mount(mountPoint, "size=" + bytes + ",mode=0755");
    }

    /** Starts counting the log lines (slf4j-simple writes to System.err) into {@link #stderr}. */
    void captureStderr() {
        stderr = CapturedStderr.start();
    }

    @AfterEach
    void closeFixture() throws Exception {
        jmx.close();
        if (stderr != null) {
            stderr.close();
        }
        if (tmpfs != null) {
            try {
                reaper.reap(); // the servers write into the mount: they go first
            } finally {
                tmpfs.close();
            }
        }
    }
}
