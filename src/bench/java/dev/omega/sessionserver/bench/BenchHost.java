package dev.omega.sessionserver.bench;

/**
 * A host JVM for the benchmarks: prints {@code host <pid>} and runs until its standard input closes, so it never
 * outlives the harness that launched it (unless the harness is killed with SIGKILL: then its stdin still closes).
 */
public final class BenchHost {

    private BenchHost() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("host " + ProcessHandle.current().pid());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for EOF
        }
    }
}
