package org.ultramem.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ultramem.bench.ResponseValidator.Outcome;

/**
 * A finished soak: its options, what the clients saw ({@link SoakTally}), the heap samples and
 * verdict, the live heap net of GC fillers ({@link LiveHeap}) before and after the load, and the
 * health checks.
 * {@link #verdicts()} gives one line per target condition of issue 13.
 */
record SoakResult(String model, SoakBench.Options options, int maxTokens, double wallSeconds,
                  SoakTally tally, List<HeapMonitor.Sample> afterGc,
                  List<HeapMonitor.Sample> used, List<HeapMonitor.Sample> live,
                  HeapVerdict heap, LiveHeap baselineLive, LiveHeap retainedLive,
                  int healthChecks, int healthFailures, boolean healthyAtEnd) {

    /** The target this soak measures: at least this long, at at least this load. */
    static final double TARGET_SECONDS = 600;
    static final double TARGET_LOAD = 2.0;

    /** One target condition: its name, PASS / FAIL / NOT EXERCISED / NOT JUDGED, the evidence. */
    record Verdict(String condition, String state, String evidence) {

        boolean pass() {
            return state.equals("PASS");
        }
    }

    List<Verdict> verdicts() {
        List<Verdict> v = new ArrayList<>();
        long conn = tally.count(Outcome.CONNECTION_ERROR);
        v.add(new Verdict("zero crashes", healthyAtEnd && healthFailures == 0 && conn == 0
                ? "PASS" : "FAIL", String.format(Locale.ROOT, "/health ok at the end: %s;"
                + " %d of %d checks during the load failed; %d connection errors",
                healthyAtEnd ? "yes" : "NO", healthFailures, healthChecks, conn)));
        long malformed = tally.count(Outcome.MALFORMED);
        v.add(new Verdict("zero malformed responses", malformed == 0 ? "PASS" : "FAIL",
                malformed + " malformed of " + tally.total() + " responses"));
        long rejected = tally.count(Outcome.REJECTED);
        long other = tally.count(Outcome.SERVER_ERROR) + tally.count(Outcome.TIMEOUT) + conn;
        v.add(new Verdict("every rejected request answered with 429/503", other > 0 ? "FAIL"
                : rejected == 0 ? "NOT EXERCISED" : "PASS", String.format(Locale.ROOT,
                "%d shed with 429/503 and a valid error body; %d failed otherwise (5xx other"
                + " than 503, timeouts, connection errors)", rejected, other)));
        v.add(new Verdict("heap bounded", !heap.judged() ? "NOT JUDGED" : heap.bounded() ? "PASS"
                : "FAIL", String.format(Locale.ROOT, "live heap net of GC fillers (full GC, class"
                + " histogram, every %.0f s): last-quarter peak %s vs second-quarter %s (bounded"
                + " when <= +max(%.0f%%, %d MiB), judged from %.0f s), peak %s; %s before the"
                + " load, %s after it (fillers then %s); peak heap used after GC %s, last minute"
                + " %s", HeapVerdict.liveEverySeconds(options.seconds()),
                mibText(heap.lastQuarterLiveBytes()), mibText(heap.secondQuarterLiveBytes()),
                100 * HeapVerdict.TOLERANCE, HeapVerdict.SLACK_BYTES >> 20,
                HeapVerdict.MIN_SECONDS, mibText(heap.peakLiveBytes()),
                mibText(baselineLive.bytes()), mibText(retainedLive.bytes()),
                mibText(retainedLive.fillerBytes()), mibText(heap.peakBytes()),
                mibText(heap.lastMinutePeakBytes()))));
        boolean target = options.seconds() >= TARGET_SECONDS && options.load() >= TARGET_LOAD;
        v.add(new Verdict("run is the target's (>= 600 s at >= 2.0 x capacity)", target ? "PASS"
                : "FAIL", String.format(Locale.ROOT, "%.0f s at %.2f x capacity",
                options.seconds(), options.load())));
        return v;
    }

    /** True when every target condition passed. */
    boolean pass() {
        return verdicts().stream().allMatch(Verdict::pass);
    }

    /** "12.3 MiB", or "none" for a window without a sample (-1). */
    static String mibText(long bytes) {
        return bytes < 0 ? "none" : String.format(Locale.ROOT, "%.1f MiB", mib(bytes));
    }

    static double mib(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / (1024.0 * 1024.0);
    }
}
