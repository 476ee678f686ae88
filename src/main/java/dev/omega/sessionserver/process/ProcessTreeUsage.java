package dev.omega.sessionserver.process;

/** What one sample of a server's process tree found ({@link ProcessTreeResources#sample}). Immutable. */
public final class ProcessTreeUsage {

    /** Nothing runs: no process, no memory, no CPU, no open file. */
    public static final ProcessTreeUsage NONE = new ProcessTreeUsage(0, 0, 0, 0);
    /** Nothing is known. */
    public static final ProcessTreeUsage UNKNOWN = new ProcessTreeUsage(-1, Double.NaN, 0, -1);

    private final long memoryBytes;
    private final double cpuUsage;
    private final int processes;
    private final long openFiles;

    ProcessTreeUsage(long memoryBytes, double cpuUsage, int processes, long openFiles) {
        this.memoryBytes = memoryBytes;
        this.cpuUsage = cpuUsage;
        this.processes = processes;
        this.openFiles = openFiles;
    }

    /** Resident memory of the tree in bytes; -1 when unknown. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** Fraction of one core used since the previous sample (1.0: one core busy); NaN when unknown. */
    public double cpuUsage() {
        return cpuUsage;
    }

    /** Processes in the tree. */
    public int processes() {
        return processes;
    }

    /** Open file descriptors of the tree; -1 when not readable. */
    public long openFiles() {
        return openFiles;
    }

    @Override
    public String toString() {
        return "ProcessTreeUsage{memoryBytes=" + memoryBytes + ", cpuUsage=" + cpuUsage + ", processes=" + processes
                + ", openFiles=" + openFiles + "}";
    }
}
