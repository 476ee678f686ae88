package dev.omega.sessionserver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import dev.omega.sessionserver.testing.HostJdk;


/** What the agent costs a host at start-up (premain, time to main three ways) and the agent jar's size. */
final class StartupBenchmarks {

    private final int runs;
    private final Path agentJar;

    StartupBenchmarks(int runs) {
        this.runs = runs;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
    }

    void run(Report report) throws Exception {
        for (HostJdk host : StartupBench.jdks()) {
            String jdk = host.toString();
            StartupBench.Result r = StartupBench.measure(host.java().toString(), runs, agentJar);
            report.row("premain blocks the host (" + jdk + ")", "≤ 3 ms", r.premain, "from the agent's own debug line",
                    r.premain <= 3, runs);
            double over = r.thisAgent - r.emptyAgent;
            report.row("time to main added over an empty agent (" + jdk + ")", "≤ 5 ms", over,
                    "no agent " + ProcessBenchmarks.fmt(r.noAgent) + " ms, empty agent "
                            + ProcessBenchmarks.fmt(r.emptyAgent) + " ms, this agent "
                            + ProcessBenchmarks.fmt(r.thisAgent) + " ms",
                    over <= 5, runs);
        }
    }

    void jarSize(Report report) throws Exception {
        double mb = Files.size(agentJar) / 1048576.0;
        report.row("agent jar size (MB)", "≤ 2 MB", mb, Files.size(agentJar) + " bytes", mb <= 2, 1);
    }
}
