package dev.omega.sessionserver.console;

import java.awt.Component;
import java.awt.Container;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.Callable;

import javax.swing.JComponent;
import javax.swing.SwingUtilities;

/** Running test code on the event thread, as Swing wants, and painting a component into an image there. */
final class Edt {

    private Edt() {
    }

    /** {@code task}'s result, computed on the event thread. */
    static <T> T call(Callable<T> task) {
        Object[] result = new Object[1];
        try {
            SwingUtilities.invokeAndWait(() -> {
                try {
                    result[0] = task.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            throw new AssertionError("on the event thread: " + e.getCause(), e.getCause());
        }
        @SuppressWarnings("unchecked")
        T t = (T) result[0];
        return t;
    }

    static void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * {@code component} laid out at {@code width} x {@code height} and painted into an image, as a window would show
     * it (headless: lightweight components paint into any {@code Graphics}).
     */
    static BufferedImage render(JComponent component, int width, int height) {
        return call(() -> {
            if (!component.isDisplayable()) {
                component.addNotify(); // as in a window: a table in a scroll pane puts its header there
            }
            component.setSize(width, height);
            layOut(component);
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                component.printAll(g);
            } finally {
                g.dispose();
            }
            return image;
        });
    }

    private static void layOut(Component c) {
        if (c instanceof Container) {
            Container container = (Container) c;
            container.doLayout();
            for (Component child : container.getComponents()) {
                layOut(child);
            }
        }
    }
}
