package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProcFsTest {

    @Test
    void statFieldsAreCountedAfterTheLastParenthesisOfTheCommandName() {
        String line = "4242 (evil) 1 2 (x) R 17 4242 4242 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 7 0 987654 1000 10 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        ProcFs.Stat st = ProcFs.parseStat(line).orElseThrow();
        assertEquals('R', st.state);
        assertEquals(17, st.ppid);
        assertEquals(4242, st.pgrp);
        assertEquals(4242, st.session);
        assertEquals(987654, st.startTicks);
    }

    @Test
    void truncatedStatIsUnknownNotWrong() {
        assertTrue(ProcFs.parseStat("4242 (x) R 1 2").isEmpty());
        assertTrue(ProcFs.parseStat("garbage").isEmpty());
    }

    @Test
    void ownStatMatchesWhatTheJdkSays() {
        long self = ProcessHandle.current().pid();
        ProcFs.Stat st = ProcFs.stat(self).orElseThrow();
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), st.ppid);
        assertFalse(st.exited());
        assertTrue(ProcFs.allProcesses().containsKey(self), "a /proc pass sees this JVM");
    }

    @Test
    void startMillisDerivedFromBootTimeAgreesWithTheJdkWithinASecond() {
        long self = ProcessHandle.current().pid();
        long derived = ProcessIdentity.of(self).orElseThrow().startEpochMillis();
        long jdk = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertTrue(Math.abs(derived - jdk) <= 1_000, "derived " + derived + " vs JDK " + jdk);
    }
}
