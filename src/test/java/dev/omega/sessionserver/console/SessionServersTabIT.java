package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Component;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.management.ObjectName;
import javax.swing.JButton;
import javax.swing.SwingUtilities;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.sun.tools.jconsole.JConsoleContext.ConnectionState;

import dev.omega.sessionserver.agent.AgentTestHosts;
import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Closer;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The "Session Servers" tab against real host JVMs running the agent jar: the plugin gets a JConsole context around a
 * real JMX connection, its workers run as JConsole runs them, and the tab is painted into an image (headless).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionServersTabIT {

    private static final Duration DEADLINE = AgentTestHosts.DEADLINE;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private final Closer closer = new Closer("SessionServersTabIT");

    @AfterEach
    void closeAll() {
        closer.closeAll();
    }

    // ------------------------------------------------------------------ the table, the colours, the charts

    @Test
    void theTableShowsEveryServerWithItsStateInColourAndTheChartsDrawTheSamples() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir, "b.dependsOn=a"));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, READ_TIMEOUT);
        SessionServersTab tab = tab(plugin);
        // the agent samples the process tree at most once per healthInterval, and CPU needs two samples
        Await.until("a's CPU is a percentage", DEADLINE,
                () -> refresh(plugin) && cell(tab, 0, ServerTableModel.CPU).matches("\\d+\\.\\d %"));

        long pidA = host.pid("a");
        assertEquals(List.of("a", "RUNNING", Long.toString(pidA), "0", ""),
                cells(tab, 0, ServerTableModel.NAME, ServerTableModel.STATE, ServerTableModel.PID,
                        ServerTableModel.RESTARTS, ServerTableModel.LAST_ERROR));
        assertTrue(cell(tab, 0, ServerTableModel.UPTIME).matches("\\d+s|\\d+m \\d\\ds"), () -> cells(tab, 0).toString());
        assertTrue(cell(tab, 0, ServerTableModel.MEMORY).matches("\\d+\\.\\d MiB"), () -> cells(tab, 0).toString());
        assertEquals(List.of("b", "STOPPED", "\u2013", "\u2013", "0", "\u2013", "\u2013", ""), cells(tab, 1));
        assertTrue(text(() -> tab.statusText()).matches("2 session servers \u00b7 read \\d\\d:\\d\\d:\\d\\d"),
                tab::statusText);
        assertEquals("a", Edt.call(tab::selectedName), "the first server is selected");
        assertEquals("a (RUNNING, PID " + pidA + ")   \u00b7   depends on: none   \u00b7   dependents: b",
                Edt.call(() -> tab.detail().headingText()), "this agent has DependsOn and Dependents: b.dependsOn=a");

        BufferedImage image = Edt.render(tab, 1200, 800);
        assertEquals(StateCellRenderer.GREEN, stateCellColour(tab, image, 0), "a RUNNING: green");
        assertEquals(StateCellRenderer.GREY, stateCellColour(tab, image, 1), "b STOPPED: grey");
        UsageChart memory = tab.detail().memoryChart();
        assertTrue(pixelsOf(image, tab, memory, memory.lineColor()) > 100,
                "the memory chart draws a's samples as a line");
    }

    @Test
    void serversThatAppearOrVanishAreAddedOrRemovedAndTheSelectionStays() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, READ_TIMEOUT);
        SessionServersTab tab = openTab(plugin);
        Edt.run(() -> tab.select("b"));

        int portC = FreePort.find();
        Proc attach = AgentTestHosts.agentCli(reaper, dir, "attach-c", "attach", Long.toString(host.process.pid()),
                "name=c,serverScript=" + AgentTestHosts.serverJar() + ",pidFile=" + dir.resolve("c.pid") + ",port="
                        + portC + ",healthCheckUrl=" + ExampleServer.healthUrl(portC));
        assertEquals(0, attach.process.exitValue(), attach::describe);
        refresh(plugin);
        assertEquals(List.of("a", "b", "c"), names(tab));
        assertEquals("b", Edt.call(tab::selectedName), "the selection follows its server, not its row");

        host.connection().unregisterMBean(new ObjectName(ConsoleTestHost.BEAN + "b"));
        refresh(plugin);
        assertEquals(List.of("a", "c"), names(tab));
        assertEquals("a", Edt.call(tab::selectedName), "the selected server vanished: the first one is selected");
    }

    @Test
    void theTabReadsTheStandaloneRunHostToo() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.runCommand(reaper, dir));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, READ_TIMEOUT);
        SessionServersTab tab = openTab(plugin);
        assertEquals(List.of("default", "RUNNING", Long.toString(host.pid("default"))),
                cells(tab, 0, ServerTableModel.NAME, ServerTableModel.STATE, ServerTableModel.PID));
    }

    // ------------------------------------------------------------------ the buttons

    @Test
    void stopAsksFirstAndSendsNothingWhenDeclinedThenStopsStartAndCheckHealthDoWhatTheySay() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir));
        AnsweringPrompts prompts = new AnsweringPrompts().confirming(false);
        SessionServersPlugin plugin = plugin(host, prompts, READ_TIMEOUT, DEADLINE);
        SessionServersTab tab = openTab(plugin);
        long pidA = host.pid("a");

        click(tab, ServerAction.STOP);
        awaitResult(tab, "a: stop cancelled, nothing sent."::equals);
        assertEquals(List.of("Stop session server a (PID " + pidA + ")?"), prompts.questions());
        assertEquals("RUNNING", host.attribute("a", "State"), "declined: nothing was sent");
        assertTrue(Procs.alive(pidA));

        prompts.confirming(true);
        click(tab, ServerAction.STOP);
        awaitResult(tab, "a: stop: stopped"::equals);
        assertEquals("STOPPED", host.attribute("a", "State"));
        assertEquals(-1L, host.pid("a"));
        Await.until("server a (pid " + pidA + ") is gone", DEADLINE, () -> !Procs.alive(pidA));

        click(tab, ServerAction.START);
        String started = awaitResult(tab, t -> t.startsWith("a: start: running, PID "));
        long newPid = host.pid("a");
        reaper.track(newPid);
        assertEquals("a: start: running, PID " + newPid, started);
        assertEquals("RUNNING", host.attribute("a", "State"));
        assertTrue(Procs.alive(newPid));

        click(tab, ServerAction.CHECK_HEALTH);
        awaitResult(tab, "a: checkHealth: healthy"::equals);
        assertEquals(2, prompts.questions().size(), "Start and Check health ask nothing: " + prompts.questions());

        // the refreshes after the operations saw them; the notifications of a came in meanwhile
        List<String> expected = List.of("state: State STARTING \u2192 RUNNING", "state: State STOPPED \u2192 STARTING",
                "state: State STOPPING \u2192 STOPPED", "state: State RUNNING \u2192 STOPPING");
        Await.until("a's four state changes are listed, newest first", DEADLINE, () -> {
            refresh(plugin);
            return notifications(tab).containsAll(expected);
        });
        assertEquals(expected, notifications(tab).subList(0, 4));
    }

    @Test
    void aFailedOperationShowsTheMbeansMessageAndNoStackTrace() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir,
                "b.serverScript=" + dir.resolve("missing/Nope.java")));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, DEADLINE);
        SessionServersTab tab = openTab(plugin);
        Edt.run(() -> tab.select("b"));

        click(tab, ServerAction.START);
        String failed = awaitResult(tab, t -> t.startsWith("b: start failed: session server (pid "));
        assertTrue(failed.contains("Nope"), failed);
        assertFalse(failed.matches("(?s).*\\n\\s*at [\\w.$]+\\(.*") || failed.contains("MBeanException")
                || failed.contains("IllegalStateException") || failed.contains("javax.management"),
                () -> "words only, no stack trace nor exception class: " + failed);
        assertEquals(StateCellRenderer.RED, Edt.call(() -> tab.actions().resultColour()));
        assertEquals("FAILED", host.attribute("b", "State"));
    }

    @Test
    void restartOfADependencyNamesTheRunningDependentsItRestartedAfterIt() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir, "b.dependsOn=a",
                "b.autoStart=true"));
        Await.until("server b is RUNNING", DEADLINE, () -> "RUNNING".equals(host.attribute("b", "State")));
        long oldB = host.pid("b");
        reaper.track(oldB);
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts().confirming(true), READ_TIMEOUT, DEADLINE);
        SessionServersTab tab = openTab(plugin);

        click(tab, ServerAction.RESTART);
        String result = awaitResult(tab, t -> t.startsWith("a: restart: restarted, PID "));
        long newA = host.pid("a");
        long newB = host.pid("b");
        reaper.track(newA);
        reaper.track(newB);
        assertEquals("a: restart: restarted, PID " + newA + "; its running dependents were restarted after it: b",
                result);
        assertTrue(newB != oldB && newB > 0, "b runs as a new process: " + oldB + " -> " + newB);
    }

    // ------------------------------------------------------------------ the log pane, Send signal…

    @Test
    void theLogPaneShowsTheSelectedServersTailLogWhenVisibleWithTheChosenLineCount() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir, "b.logFile=discard"));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, READ_TIMEOUT);
        SessionServersTab tab = openTab(plugin);
        assertEquals("", Edt.call(() -> tab.log().logText()), "not visible: not read");

        Edt.run(() -> tab.detailPanes().setSelectedComponent(tab.log()));
        String log = awaitText("a's log in the pane", () -> tab.log().logText(),
                t -> t.contains("session-server: listening on "));
        assertEquals(tailLog(host, "a", 100), log, "what tailLog(100) returns: the pane's default line count");
        assertTrue(Edt.call(() -> tab.log().statusText()).matches("of a \\(read \\d\\d:\\d\\d:\\d\\d\\)"));

        Edt.run(() -> tab.log().lineCountChooser().setSelectedItem(1));
        awaitText("one line", () -> tab.log().logText(), t -> t.equals(tailLog(host, "a", 1)));

        Edt.run(() -> tab.select("b")); // logFile=discard: tailLog refuses, and the pane says why
        String error = awaitText("b's log error", () -> tab.log().statusText(), t -> t.startsWith("of b: "));
        assertTrue(error.contains("discard") && !error.contains("Exception"), error);
        assertEquals("", Edt.call(() -> tab.log().logText()), "no text of a under b's name");
    }

    @Test
    void sendSignalAsksWhichSignalAndSendsItToTheSelectedServer() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir));
        AnsweringPrompts prompts = new AnsweringPrompts().choosing(null);
        SessionServersPlugin plugin = plugin(host, prompts, READ_TIMEOUT, DEADLINE);
        SessionServersTab tab = openTab(plugin);
        long pidA = host.pid("a");

        clickSendSignal(tab);
        assertEquals(List.of("signal for a: HUP USR1 USR2 QUIT WINCH"), prompts.questions());
        assertEquals("", Edt.call(() -> tab.actions().resultText()), "cancelled: nothing sent");

        prompts.choosing("HUP");
        clickSendSignal(tab);
        awaitResult(tab, "a: signal HUP: SIGHUP sent"::equals);
        Await.until("a logged the SIGHUP", DEADLINE,
                () -> tailLog(host, "a", 20).contains("session-server: received SIGHUP"));
        assertEquals("RUNNING", host.attribute("a", "State"), "the example server keeps running on HUP");
        assertEquals(pidA, host.pid("a"));
        Await.until("the signal notification is listed", DEADLINE,
                () -> refresh(plugin) && notifications(tab).stream().anyMatch(n -> n.startsWith("signal: ")));
    }

    // ------------------------------------------------------------------ a JVM without our MBeans, a lost connection

    @Test
    void aJvmWithoutSessionServersShowsTheOneLineHint() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withoutAgent(reaper, dir));
        SessionServersPlugin plugin = plugin(host, new AnsweringPrompts(), READ_TIMEOUT, READ_TIMEOUT);
        SessionServersTab tab = openTab(plugin);

        assertEquals(ConsoleController.NO_SERVERS_HINT, Edt.call(tab::statusText));
        assertFalse(ConsoleController.NO_SERVERS_HINT.contains("\n"));
        assertEquals(0, Edt.call(() -> tab.servers().getRowCount()));
        assertFalse(Edt.call(() -> tab.actions().button(ServerAction.START).isEnabled()), "no server, no buttons");
        Edt.render(tab, 1000, 600); // paints without a server to show
    }

    @Test
    void aHungOrLostConnectionIsShownAndNeverHoldsTheEventThread() throws Exception {
        ConsoleTestHost host = host(ConsoleTestHost.withServersAAndB(reaper, dir));
        ConnectorContext context = new ConnectorContext(host.connector);
        Duration shortTimeout = Duration.ofSeconds(2);
        SessionServersPlugin plugin = plugin(context, new AnsweringPrompts(), shortTimeout, shortTimeout);
        SessionServersTab tab = openTab(plugin);
        assertEquals(List.of("a", "b"), names(tab));

        signal("STOP", host.process.pid()); // the host answers nothing now, and the connection stays open
        refresh(plugin);
        assertEquals("No answer from the JVM within 2 s: the connection is slow or lost.", Edt.call(tab::statusText));
        refresh(plugin);
        assertEquals("The JVM has not answered the previous request for 2 s: the connection is slow or lost.",
                Edt.call(tab::statusText), "one request at a time: the hung one is not joined by another");
        click(tab, ServerAction.CHECK_HEALTH);
        awaitResult(tab, "a: checkHealth failed: no answer from the JVM within 2 s: the connection is slow or lost"
                ::equals);
        assertEquals(List.of("a", "b"), names(tab), "the last rows read stay");

        host.process.process.destroyForcibly(); // the host dies: its connections are reset
        host.process.process.waitFor();
        Await.until("the tab says the connection is lost", DEADLINE, () -> {
            refresh(plugin);
            return text(tab::statusText).startsWith("Connection lost: ");
        });
        assertTrue(text(tab::statusText).endsWith(". The table shows the last values read."), tab::statusText);

        context.announce(ConnectionState.DISCONNECTED);
        Await.until("the tab shows JConsole's disconnection", DEADLINE,
                () -> text(tab::statusText).startsWith("Connection lost: JConsole is disconnected"));
    }

    // ------------------------------------------------------------------ helpers

    private ConsoleTestHost host(ConsoleTestHost host) {
        closer.add(host);
        return host;
    }

    private SessionServersPlugin plugin(ConsoleTestHost host, Prompts prompts, Duration read, Duration operation) {
        return plugin(new ConnectorContext(host.connector), prompts, read, operation);
    }

    private SessionServersPlugin plugin(ConnectorContext context, Prompts prompts, Duration read,
            Duration operation) {
        SessionServersPlugin plugin = new SessionServersPlugin(prompts, read, operation);
        plugin.setContext(context);
        assertEquals(List.of(SessionServersPlugin.TAB_TITLE), List.copyOf(Edt.call(plugin::getTabs).keySet()));
        closer.add(plugin::dispose);
        return plugin;
    }

    private static SessionServersTab tab(SessionServersPlugin plugin) {
        return (SessionServersTab) Edt.call(plugin::getTabs).get(SessionServersPlugin.TAB_TITLE);
    }

    /** The plugin's tab after its first refresh. */
    private static SessionServersTab openTab(SessionServersPlugin plugin) {
        SessionServersTab tab = tab(plugin);
        refresh(plugin);
        return tab;
    }

    /** Runs one refresh as JConsole does (its worker, executed) and waits until the tab has shown what it read. */
    static boolean refresh(SessionServersPlugin plugin) {
        RequestWorker<?> worker = (RequestWorker<?>) plugin.newSwingWorker();
        worker.execute();
        try {
            assertTrue(worker.awaitHandled(DEADLINE.plusSeconds(10)), "the refresh ended");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return true;
    }

    private static void click(SessionServersTab tab, ServerAction action) {
        click(() -> tab.actions().button(action));
    }

    private static void clickSendSignal(SessionServersTab tab) {
        click(() -> tab.actions().signalButton());
    }

    /** Clicks a button, which must be enabled, on the event thread. */
    private static void click(Supplier<JButton> button) {
        Edt.run(() -> {
            JButton b = button.get();
            assertTrue(b.isEnabled(), b.getText() + " is enabled");
            b.doClick();
        });
    }

    /** {@code tailLog(lines)} of server {@code server}, over the test's own connection. */
    private static String tailLog(ConsoleTestHost host, String server, int lines) {
        try {
            return (String) host.connection().invoke(new ObjectName(ConsoleTestHost.BEAN + server), "tailLog",
                    new Object[] {lines}, new String[] {"int"});
        } catch (Exception e) {
            throw new AssertionError("tailLog of " + server + ": " + e, e);
        }
    }

    /** Waits until the result area says what {@code done} accepts (not the "…" of the request in flight). */
    private static String awaitResult(SessionServersTab tab, Predicate<String> done) {
        return awaitText("the operation's result", () -> tab.actions().resultText(), done);
    }

    static String awaitText(String what, Supplier<String> text, Predicate<String> done) {
        AtomicReference<String> last = new AtomicReference<>();
        try {
            Await.until(what, DEADLINE, () -> {
                last.set(Edt.call(text::get));
                return done.test(last.get());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; it says: " + last.get(), e);
        }
        return last.get();
    }

    private static String text(Supplier<String> s) {
        return Edt.call(s::get);
    }

    private static String cell(SessionServersTab tab, int row, int column) {
        return Edt.call(() -> String.valueOf(tab.servers().getValueAt(row, column)));
    }

    private static List<String> cells(SessionServersTab tab, int row, int... columns) {
        return Edt.call(() -> {
            List<String> out = new ArrayList<>();
            int n = columns.length == 0 ? tab.servers().getColumnCount() : columns.length;
            for (int i = 0; i < n; i++) {
                out.add(String.valueOf(tab.servers().getValueAt(row, columns.length == 0 ? i : columns[i])));
            }
            return out;
        });
    }

    private static List<String> names(SessionServersTab tab) {
        return Edt.call(() -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < tab.servers().getRowCount(); i++) {
                out.add(tab.servers().row(i).name());
            }
            return out;
        });
    }

    private static List<String> notifications(SessionServersTab tab) {
        return Edt.call(() -> {
            NotificationTableModel m = tab.detail().notifications();
            List<String> out = new ArrayList<>();
            for (int i = 0; i < m.getRowCount(); i++) {
                out.add(m.getValueAt(i, 1) + ": " + m.getValueAt(i, 2));
            }
            return out;
        });
    }

    /** The colour of the State cell of {@code row} in {@code image}, 3 px inside its left edge (away from the text). */
    private static Color stateCellColour(SessionServersTab tab, BufferedImage image, int row) {
        Rectangle cell = Edt.call(() -> SwingUtilities.convertRectangle(tab.table(),
                tab.table().getCellRect(row, ServerTableModel.STATE, false), tab));
        return new Color(image.getRGB(cell.x + 3, cell.y + cell.height / 2));
    }

    /** How many pixels of {@code component}'s area in {@code image} have exactly {@code colour}. */
    private static int pixelsOf(BufferedImage image, SessionServersTab tab, Component component, Color colour) {
        Rectangle r = Edt.call(() -> SwingUtilities.convertRectangle(component.getParent(), component.getBounds(),
                tab));
        int n = 0;
        for (int x = r.x; x < r.x + r.width; x++) {
            for (int y = r.y; y < r.y + r.height; y++) {
                n += image.getRGB(x, y) == colour.getRGB() ? 1 : 0;
            }
        }
        return n;
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }
}
