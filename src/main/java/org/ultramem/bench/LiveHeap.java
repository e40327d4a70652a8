package org.ultramem.bench;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The JVM's live heap, net of GC filler objects: {@code histogramBytes} is every object a live
 * class histogram saw (the diagnostic command {@code GC.class_histogram}, which runs a full
 * collection first), {@code fillerBytes} the part of it that is dead space a collector
 * formatted as filler objects ({@code jdk.internal.vm.FillerObject}, arrays of
 * {@code jdk.internal.vm.FillerElement}). ParallelGC's full collection leaves its dense prefix
 * uncompacted and fills the holes with such arrays, so "used after a full GC" counts garbage;
 * a soak measured 4.4 of 6.4 MB of apparent growth as fillers. {@link #bytes()} is what the
 * program really keeps.
 */
record LiveHeap(long histogramBytes, long fillerBytes) {

    /** Class names (as the histogram prints them) that mark GC filler objects. */
    static final Pattern FILLER = Pattern.compile("^\\[*L?jdk\\.internal\\.vm\\.Filler\\w*;?$");
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern TOTAL = Pattern.compile("^Total\\s+\\d+\\s+(\\d+)\\s*$");

    /** Live bytes net of fillers. */
    long bytes() {
        return histogramBytes - fillerBytes;
    }

    /** Runs a full collection and a live class histogram now (a pause of a few tens of ms). */
    static LiveHeap measure() {
        return parse(histogram());
    }

    /** The live class histogram ({@code GC.class_histogram}, after a full collection). */
    static String histogram() {
        try {
            return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("the class histogram (DiagnosticCommand"
                    + " gcClassHistogram) failed: " + e + "; the soak needs the"
                    + " jdk.management module (any full JDK has it)", e);
        }
    }

    /** Reads the "Total" line and the filler rows of a {@code GC.class_histogram} output. */
    static LiveHeap parse(String histogram) {
        long total = -1;
        long fillers = 0;
        for (String line : histogram.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                if (FILLER.matcher(row.group(2)).matches()) {
                    fillers += Long.parseLong(row.group(1));
                }
                continue;
            }
            Matcher t = TOTAL.matcher(line.strip());
            if (t.matches()) {
                total = Long.parseLong(t.group(1));
            }
        }
        if (total < 0) {
            throw new IllegalStateException("class histogram without a \"Total\" line: "
                    + histogram.lines().limit(3).toList() + "; the JVM's GC.class_histogram"
                    + " format changed, update LiveHeap.parse");
        }
        return new LiveHeap(total, fillers);
    }
}
