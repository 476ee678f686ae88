package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;

/**
 * What this kernel's {@code /proc} offers the resource sampling, found once per JVM when the class is first used: the
 * page size that {@code rss} counts in, whether the size of {@code /proc/<pid>/fd} is its count of descriptors, and
 * whether {@code /proc/<pid>/task/<tid>/children} exists. Without {@code /proc} each says so (-1 or false). Stateless
 * after its class initialisation, and thread-safe.
 */
final class ProcKernelFacts {

    /** The page size in bytes, 4096 when {@code auxv} does not give it, -1 without {@code /proc}. */
    static final long PAGE_SIZE = pageSize();

    private ProcKernelFacts() {
    }

    /**
     * The descriptors open in {@code pid}, -1 when not readable: the size of {@code /proc/<pid>/fd} (Linux 6.2 and
     * later give the count there: one {@code stat} and one {@code access} call), else the length of its listing.
     */
    static long openFiles(long pid) {
        File fd = new File("/proc/" + pid + "/fd");
        long size = FD_SIZE_IS_COUNT ? fd.length() : 0;
        if (size > 0) {
            // the size is given to anyone; the count only where the listing would be readable
            return fd.canRead() ? size : -1;
        }
        String[] fds = fd.list();
        return fds == null ? -1 : fds.length;
    }

    /** Whether the kernel gives each process's count of descriptors as the size of {@code /proc/<pid>/fd}. */
    private static final boolean FD_SIZE_IS_COUNT = fdSizeIsCount();

    private static boolean fdSizeIsCount() {
        if (!ProcFs.available()) {
            return false;
        }
        try {
            // this JVM's own table does not change between the two reads below only if nothing opens a file
            // meanwhile: compare twice, and take the size as the count only when a listing agrees with it
            for (int attempt = 0; attempt < 3; attempt++) {
                File fd = new File("/proc/self/fd");
                long before = fd.length();
                String[] listed = fd.list();
                long after = fd.length();
                if (listed == null) {
                    return false;
                }
                // the listing itself holds one descriptor open (the directory) while it reads
                if (before == after && (listed.length == before || listed.length == before + 1)) {
                    return before > 0;
                }
            }
        } catch (SecurityException e) {
            // fall through
        }
        return false;
    }

    /** Whether the kernel has {@code /proc/<pid>/task/<tid>/children} ({@code CONFIG_PROC_CHILDREN}). */
    static final boolean CHILDREN_FILES = ProcFs.available()
            && new File("/proc/self/task/" + ProcessHandle.current().pid() + "/children").canRead();

    /**
     * The page size the {@code rss} field counts in: {@code AT_PAGESZ} from {@code /proc/self/auxv} (64-bit entries
     * on 64-bit JVMs), else 4096; -1 without {@code /proc}.
     */
    private static long pageSize() {
        if (!ProcFs.available()) {
            return -1;
        }
        try {
            byte[] auxv = ProcFs.read(java.nio.file.Paths.get("/proc/self/auxv"));
            boolean wide = !"32".equals(System.getProperty("sun.arch.data.model"));
            int word = wide ? 8 : 4;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(auxv).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i + 2 * word <= auxv.length; i += 2 * word) {
                long type = wide ? b.getLong(i) : b.getInt(i);
                long value = wide ? b.getLong(i + word) : b.getInt(i + word) & 0xffffffffL;
                if (type == 6) { // AT_PAGESZ
                    return value;
                }
                if (type == 0) { // AT_NULL
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 4096;
    }
}
