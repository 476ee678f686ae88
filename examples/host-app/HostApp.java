/*
 * HostApp: a plain Java application that knows nothing about session servers. It prints one line and runs until it
 * is killed; the session-server-manager agent, given on its command line, adds the SessionServerManager MBean.
 *
 * From the project directory, after `mvn -B package`:
 *
 *   java -javaagent:target/session-server-manager-agent.jar=port=3000,autoStart=true \
 *        examples/host-app/HostApp.java
 *
 *   (with no serverScript the agent looks for session-server.js in the working directory; to manage the Java example
 *    server instead: ...agent.jar=serverScript=examples/session-server/SessionServer.java,port=3000,autoStart=true)
 *
 * or start it plainly and attach the agent later:
 *
 *   java examples/host-app/HostApp.java &
 *   java -jar target/session-server-manager-agent.jar attach <pid> serverScript=examples/session-server/SessionServer.java
 *
 * Then open it in JConsole (`jconsole <pid>`) or script it with jmxterm (examples/jmxterm/). JDK only; compiles with
 * `javac --release 11`.
 */
import java.util.concurrent.CountDownLatch;

public class HostApp {
    public static void main(String[] args) throws InterruptedException {
        System.out.println("host-app: running (pid " + ProcessHandle.current().pid() + "); Ctrl-C to stop");
        System.out.flush();
        new CountDownLatch(1).await(); // the application's work would go here
    }
}
