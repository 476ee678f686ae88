package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SessionServerMBeans;

/** {@code dependsOn} and {@code stopWithHost} as arguments: parsed, checked at load, refused with the cycle named. */
@Timeout(30)
class DependsOnArgumentsTest {

    @TempDir
    Path dir;

    private String servers(String names, String... more) {
        StringBuilder sb = new StringBuilder("servers=" + names);
        int port = 3101;
        for (String n : names.split(",")) {
            sb.append(',').append(n).append(".pidFile=").append(dir.resolve(n + ".pid")).append(',').append(n)
                    .append(".port=").append(port++);
        }
        for (String m : more) {
            sb.append(',').append(m);
        }
        return sb.toString();
    }

    @Test
    void namesWithConditionsSeparatedBySemicolonsOrSpaces() {
        List<AgentArguments> all = AgentArguments.parseAll(servers("web,db,cache",
                "web.dependsOn=db:started;cache", "cache.dependsOn=db:STARTED"));
        assertEquals(List.of(new ServerDependency("db", ServerDependency.Condition.STARTED),
                new ServerDependency("cache", ServerDependency.Condition.HEALTHY)), all.get(0).dependsOn());
        assertEquals(List.of(new ServerDependency("db", ServerDependency.Condition.STARTED)),
                all.get(2).dependsOn(), "conditions in any case");
        assertEquals(2, AgentArguments.parseAll(servers("web,db,cache", "web.dependsOn=db cache")).get(0)
                .dependsOn().size(), "spaces separate names too");
        assertEquals(List.of(), all.get(1).dependsOn());
        assertEquals(List.of("db", "cache", "web"), AgentArguments.dependencyGraph(all).startOrder());
    }

    @Test
    void commasSeparateNamesInAConfigFile() throws Exception {
        Path config = dir.resolve("agent.properties");
        Files.writeString(config, "servers=web,db,cache\nweb.dependsOn=db,cache:started\nstopWithHost=true\n");
        List<AgentArguments> all = AgentArguments.parseAll(servers("web,db,cache", "config=" + config)
                .replace("servers=web,db,cache,", ""));
        assertEquals(2, all.get(0).dependsOn().size());
        assertEquals(ServerDependency.Condition.STARTED, all.get(0).dependsOn().get(1).condition());
        assertTrue(all.get(1).stopWithHost(), "a shared key");
    }

    @Test
    void aCycleIsRefusedWithTheCycleNamed() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parseAll(
                servers("web,db", "web.dependsOn=db", "db.dependsOn=web")));
        assertEquals("invalid agent argument web.dependsOn='db': cycle: web -> db -> web", e.getMessage());
    }

    @Test
    void anUnknownServerOrItselfIsRefused() {
        AgentArgumentException unknown = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(servers("web,db", "web.dependsOn=cache")));
        assertEquals("invalid agent argument web.dependsOn='cache': unknown server 'cache' (servers: web, db)",
                unknown.getMessage());
        AgentArgumentException self = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(servers("web,db", "db.dependsOn=db")));
        assertEquals("invalid agent argument db.dependsOn='db': server 'db' cannot depend on itself",
                self.getMessage());
        AgentArgumentException condition = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(servers("web,db", "web.dependsOn=db:ready")));
        assertEquals("invalid agent argument web.dependsOn='db:ready': 'db:ready': the condition must be healthy"
                + " or started", condition.getMessage());
        assertThrows(AgentArgumentException.class, () -> AgentArguments.parseAll("dependsOn=db"),
                "one server has nobody to depend on");
    }

    @Test
    void stopWithHostDefaultsToFalse() {
        assertFalse(AgentArguments.parse("").stopWithHost());
        assertTrue(AgentArguments.parse("stopWithHost=true").stopWithHost());
        assertThrows(AgentArgumentException.class, () -> AgentArguments.parse("stopWithHost=yes"));
    }

    @Test
    void theAgentIsNotLoadedForACycle() {
        String a = "a" + UUID.randomUUID().toString().substring(0, 8);
        String b = "b" + UUID.randomUUID().toString().substring(0, 8);
        String err = JavaAgentTest.refusalOf(servers(a + "," + b, a + ".dependsOn=" + b, b + ".dependsOn=" + a));
        assertEquals("session-server-manager: invalid agent argument " + a + ".dependsOn='" + b + "': cycle: " + a
                + " -> " + b + " -> " + a + "; the agent is not loaded" + System.lineSeparator(), err);
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(SessionServerMBeans.objectName(a)));
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(SessionServerMBeans.objectName(b)));
    }
}
