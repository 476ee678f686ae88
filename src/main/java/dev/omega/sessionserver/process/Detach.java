package dev.omega.sessionserver.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command prefix that puts the server in a session and process group of its own, so that the host's terminal
 * (Ctrl-C, hang-up) and the host's death do not reach it, and so that stop can signal its whole group.
 *
 * <p>Linux: util-linux {@code setsid}, which execs in place (the JVM's child is never a group leader), so the
 * spawned PID is the server's own. macOS has no {@code setsid} command: Perl's {@code POSIX::setsid} then
 * {@code exec}, which also keeps the PID. Elsewhere (Windows) no prefix: the server is not detached from the host's
 * console there.
 */
final class Detach {

    private static final Logger LOG = LoggerFactory.getLogger(Detach.class);
    private static final List<String> PREFIX = find();

    private Detach() {
    }

    static List<String> prefix() {
        return PREFIX;
    }

    private static List<String> find() {
        for (String candidate : new String[] {"/usr/bin/setsid", "/bin/setsid", "/usr/local/bin/setsid"}) {
            if (Files.isExecutable(Paths.get(candidate))) {
                return List.of(candidate);
            }
        }
        Path perl = Paths.get("/usr/bin/perl");
        if (Files.isExecutable(perl)) {
            return List.of(perl.toString(), "-MPOSIX", "-e",
                    "POSIX::setsid(); exec { $ARGV[0] } @ARGV or die \"cannot execute $ARGV[0]: $!\\n\"");
        }
        LOG.warn("neither setsid nor perl found: the session server will share the host's process group and"
                + " terminal signals");
        return List.of();
    }
}
