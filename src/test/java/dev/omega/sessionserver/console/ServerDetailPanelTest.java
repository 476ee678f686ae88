package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.Color;
import java.util.List;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

/** What the selected server's heading and State cell say, headless. */
class ServerDetailPanelTest {

    private static ServerRow row(String state, List<String> dependsOn, List<String> dependents) throws Exception {
        return new ServerRow(new ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=web"), state, 812,
                5, 0, 1024, 0.01, "", dependsOn, dependents);
    }

    @Test
    void theHeadingNamesTheDependenciesWhenTheAgentHasThem() throws Exception {
        ServerRow row = row("RUNNING", List.of("db", "cache"), List.of());
        String heading = Edt.call(() -> {
            ServerDetailPanel panel = new ServerDetailPanel();
            panel.show(row, new ServerHistory(), 0, 1);
            return panel.headingText();
        });
        assertEquals("web (RUNNING, PID 812)   \u00b7   depends on: db, cache   \u00b7   dependents: none", heading);
    }

    @Test
    void theHeadingSaysNothingOfDependenciesForAnAgentWithout() throws Exception {
        ServerRow row = row("RUNNING", null, null);
        String heading = Edt.call(() -> {
            ServerDetailPanel panel = new ServerDetailPanel();
            panel.show(row, new ServerHistory(), 0, 1);
            return panel.headingText();
        });
        assertEquals("web (RUNNING, PID 812)", heading);
        assertFalse(heading.contains("depend"));
    }

    @Test
    void eachStateHasTheIssuesColour() {
        Color green = StateCellRenderer.GREEN;
        Color amber = StateCellRenderer.AMBER;
        Color red = StateCellRenderer.RED;
        List<Color> expected = List.of(green, amber, amber, amber, red, red, StateCellRenderer.GREY);
        List<String> states = List.of("RUNNING", "STARTING", "STOPPING", "BACKOFF", "UNHEALTHY", "FAILED", "STOPPED");
        for (int i = 0; i < states.size(); i++) {
            assertEquals(expected.get(i), StateCellRenderer.colorOf(states.get(i)), states.get(i));
        }
        assertNull(StateCellRenderer.colorOf("SOMETHING_NEW"), "a state this version does not know: no colour");
    }
}
