package org.ultramem.report;

/** Turns on AWT headless mode once, before any AWT class loads, unless the user chose otherwise. */
final class Headless {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Headless() {
    }

    /** Triggers the static initializer; call from every plot class's static initializer. */
    static void ensure() {
        // the work happens in the static block
    }
}
