package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

import com.sun.tools.jconsole.JConsolePlugin;

import dev.omega.sessionserver.agent.AgentTestHosts;

/**
 * The minimized agent jar keeps the plugin: its service file and classes survive the shade, and JConsole's way of
 * finding it ({@code -pluginpath}: a class loader over the jar, then the service loader) finds it in the jar.
 */
class PluginJarIT {

    private static final String SERVICE = "META-INF/services/com.sun.tools.jconsole.JConsolePlugin";

    @Test
    void theAgentJarNamesThePluginInItsServiceFileAndHasItsClasses() throws Exception {
        try (JarFile jar = new JarFile(AgentTestHosts.AGENT_JAR.toFile())) {
            assertNotNull(jar.getEntry(SERVICE), SERVICE);
            try (InputStream in = jar.getInputStream(jar.getEntry(SERVICE))) {
                assertEquals(SessionServersPlugin.class.getName(),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
            }
            for (Class<?> c : List.of(SessionServersPlugin.class, ConsoleController.class, SessionServersTab.class,
                    UsageChart.class, FleetReader.class, JmxChannel.class)) {
                String entry = c.getName().replace('.', '/') + ".class";
                assertNotNull(jar.getEntry(entry), entry + " in the agent jar");
            }
        }
    }

    @Test
    void jconsolesServiceLoaderFindsThePluginInTheJar() throws Exception {
        URL jar = AgentTestHosts.AGENT_JAR.toUri().toURL();
        // the platform loader's parent chain sees jdk.jconsole, not this test's class path: the plugin comes from the jar
        try (URLClassLoader pluginPath = new URLClassLoader(new URL[] {jar}, ClassLoader.getPlatformClassLoader())) {
            List<JConsolePlugin> found = new ArrayList<>();
            ServiceLoader.load(JConsolePlugin.class, pluginPath).forEach(found::add);
            assertEquals(1, found.size(), found::toString);
            assertEquals(SessionServersPlugin.class.getName(), found.get(0).getClass().getName());
            assertSame(pluginPath, found.get(0).getClass().getClassLoader(), "loaded from the jar");
        }
    }
}
