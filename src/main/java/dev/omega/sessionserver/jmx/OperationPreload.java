package dev.omega.sessionserver.jmx;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;

/**
 * Loads, ahead of time, the classes the first {@code start()} and {@code stop()} of a fresh host would otherwise load
 * in the operator's thread, between the call and the spawn or the first signal, and between the server's exit and
 * the return: the notification and Flight Recorder classes of a state change, the stop's outcome, and the JDK's and
 * the process layer's classes of a spawn, a PID file lock and a process tree walk. Meant for the agent's background
 * thread once its servers are registered ({@link #run()}): some milliseconds there instead of in the first
 * operation.
 *
 * <p>Classes are loaded by name and not initialized (no static initializer runs, nothing is spawned or opened); a
 * name this JDK or this build does not have is skipped, so the list may name classes that a later version of the
 * process layer no longer has. Never throws; thread-safe; the second call does nothing.
 */
public final class OperationPreload {

    /** JDK classes (some internal: loading by name needs no access) and this jar's, in the order first use needs them. */
    private static final String[] CLASSES = {
        // a state change's notification, sent to a listener
        "javax.management.NotificationBroadcasterSupport$SendNotifJob",
        "java.util.RegularEnumSet$EnumSetIterator",
        // the PID file's lock and writes
        "java.nio.file.attribute.PosixFilePermissions$1",
        "sun.nio.fs.UnixFileModeAttribute$1",
        "java.nio.file.attribute.FileOwnerAttributeView",
        "java.nio.file.attribute.PosixFileAttributeView",
        "sun.nio.fs.UnixFileAttributeViews$Posix",
        "sun.nio.fs.UnixFileAttributeViews$Unix",
        "sun.nio.fs.AbstractBasicFileAttributeView$AttributesBuilder",
        "java.nio.channels.FileLock",
        "sun.nio.ch.FileLockImpl",
        "sun.nio.ch.FileLockTable",
        "sun.nio.ch.FileKey",
        "sun.nio.ch.FileLockTable$FileLockReference",
        "java.nio.file.TempFileHelper",
        "java.nio.file.StandardCopyOption",
        "sun.nio.fs.UnixCopyFile",
        "sun.nio.fs.UnixCopyFile$Flags",
        // the spawn
        "java.lang.ProcessBuilder",
        "java.lang.ProcessBuilder$Redirect",
        "java.lang.ProcessBuilder$Redirect$Type",
        "java.lang.ProcessBuilder$RedirectPipeImpl",
        "java.lang.ProcessBuilder$NullInputStream",
        "java.lang.ProcessBuilder$NullOutputStream",
        "java.lang.ProcessEnvironment",
        "java.lang.ProcessEnvironment$StringEnvironment",
        "java.lang.ProcessEnvironment$StringEntrySet",
        "java.lang.ProcessEnvironment$StringEntry",
        "java.lang.Process",
        "java.lang.ProcessImpl",
        "java.lang.ProcessImpl$ProcessPipeInputStream",
        "java.lang.ProcessImpl$ProcessPipeOutputStream",
        "java.lang.Process$PipeInputStream",
        "java.lang.ProcessHandleImpl$ExitCompletion",
        "java.util.concurrent.CompletableFuture",
        "java.util.concurrent.CompletableFuture$UniHandle",
        "jdk.internal.event.ProcessStartEvent",
        // the process layer (named, not referenced: it is being rewritten; a missing name is skipped)
        "dev.omega.sessionserver.process.PidFileLock$Held",
        "dev.omega.sessionserver.process.ServerLogTail",
        "dev.omega.sessionserver.process.ServerLauncher$Launched",
        "dev.omega.sessionserver.process.SpawnedServerExits$Server",
        "dev.omega.sessionserver.process.ServerStartException",
        "dev.omega.sessionserver.process.PidValidator",
        "dev.omega.sessionserver.process.ProcessTree",
        "dev.omega.sessionserver.process.ProcessTreeMember",
        "dev.omega.sessionserver.process.ServerSignals",
        "dev.omega.sessionserver.process.LogTail",
        "dev.omega.sessionserver.process.StopAttempt",
        "dev.omega.sessionserver.process.StopResult",
        // this package
        "dev.omega.sessionserver.jmx.FlightRecorderEvents$NoStart",
        "dev.omega.sessionserver.jmx.FlightRecorderEvents$NoStop",
    };

    private static volatile boolean done;

    private OperationPreload() {
    }

    /** Loads the classes (see the class comment). */
    public static void run() {
        if (done) {
            return;
        }
        done = true;
        ClassLoader own = OperationPreload.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, false, name.startsWith("dev.omega.") ? own : ClassLoader.getPlatformClassLoader());
            } catch (ClassNotFoundException | LinkageError | SecurityException e) {
                // not in this JDK or this build: nothing to load early
            }
        }
        try {
            // the JVM's recorder (JfrEvents loads its event types and spans) and the state-change notification
            FlightRecorderEvents.get();
            new AttributeChangeNotification(OperationPreload.class, 0, 0, "", "State", String.class.getName(), "",
                    "").getType();
            new Notification("dev.omega.sessionserver.preload", OperationPreload.class, 0).getType();
        } catch (RuntimeException | LinkageError e) {
            // nothing is lost but some time in the first operation
        }
    }
}
