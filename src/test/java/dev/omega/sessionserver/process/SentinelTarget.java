package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Path;

import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.SignalSentinel;
import dev.omega.sessionserver.testing.TempDirs;

/**
 * What the PID file properties play with, for one container: a directory of its own, a live {@link SignalSentinel}
 * in it (a process that is not ours) and the facts about it that generated contents use. {@link #close()} kills the
 * sentinel by PID, reaps what the reaper recorded and removes the directory.
 */
final class SentinelTarget implements AutoCloseable {

    final Path dir;
    final SignalSentinel sentinel;
    final PidFileContents.Target target;
    private final ProcessReaper reaper;

    private SentinelTarget(Path dir, ProcessReaper reaper, SignalSentinel sentinel) {
        this.dir = dir;
        this.reaper = reaper;
        this.sentinel = sentinel;
        this.target = new PidFileContents.Target(PidFileSpec.Live.of(sentinel.pid()).orElseThrow());
    }

    static SentinelTarget start(String prefix) throws IOException {
        Path dir = TempDirs.create(prefix);
        ProcessReaper reaper = new ProcessReaper();
        return new SentinelTarget(dir, reaper, SignalSentinel.start(reaper, dir, "sentinel"));
    }

    @Override
    public void close() throws Exception {
        try {
            sentinel.kill();
        } finally {
            reaper.reap();
            TempDirs.delete(dir);
        }
    }
}
