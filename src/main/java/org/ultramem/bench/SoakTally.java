package org.ultramem.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.ultramem.bench.ResponseValidator.Outcome;

/**
 * What a soak's clients saw, gathered from many threads: requests by outcome, by HTTP status
 * ("connection" and "timeout" when none came) and by request kind, why the failures failed
 * (counted by reason, with the first few malformed responses kept), and the completion tokens
 * of each time bucket (by when the request ended).
 */
final class SoakTally {

    /** Malformed responses kept as samples. */
    static final int SAMPLES = 10;

    private final double bucketSeconds;
    private final AtomicLongArray tokens;
    private final Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
    private final Map<String, Long> byStatus = new TreeMap<>();
    private final Map<String, Long> byKind = new TreeMap<>();
    private final Map<String, Long> failureReasons = new TreeMap<>();
    private final List<String> malformedSamples = new ArrayList<>();

    /** Buckets of {@code bucketSeconds} covering {@code seconds} (plus the tail of late ends). */
    SoakTally(double seconds, double bucketSeconds) {
        this.bucketSeconds = bucketSeconds;
        int n = (int) Math.ceil(seconds / bucketSeconds) + 1;
        tokens = new AtomicLongArray(n);
    }

    /** Records one request ({@code status} is "connection"/"timeout" when no status came). */
    void add(SoakRequest kind, String status, ResponseValidator.Verdict v, double endSeconds) {
        int b = Math.min(tokens.length() - 1, Math.max(0, (int) (endSeconds / bucketSeconds)));
        tokens.addAndGet(b, v.completionTokens());
        synchronized (this) {
            byOutcome.merge(v.outcome(), 1L, Long::sum);
            byStatus.merge(status, 1L, Long::sum);
            byKind.merge(kind.name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
            boolean failure = v.outcome() == Outcome.MALFORMED
                    || v.outcome() == Outcome.SERVER_ERROR || v.outcome() == Outcome.TIMEOUT
                    || v.outcome() == Outcome.CONNECTION_ERROR;
            if (failure) {
                String reason = v.outcome().name().toLowerCase(java.util.Locale.ROOT) + ": "
                        + shortReason(v.why());
                failureReasons.merge(reason, 1L, Long::sum);
            }
            if (v.outcome() == Outcome.MALFORMED && malformedSamples.size() < SAMPLES) {
                malformedSamples.add(kind + ": " + v.why());
            }
        }
    }

    /** The reason up to its body sample, so reasons count by kind, not by body. */
    private static String shortReason(String why) {
        int bar = why.indexOf(" | body: ");
        String s = bar < 0 ? why : why.substring(0, bar);
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    synchronized long count(Outcome o) {
        return byOutcome.getOrDefault(o, 0L);
    }

    synchronized long total() {
        return byOutcome.values().stream().mapToLong(Long::longValue).sum();
    }

    synchronized Map<Outcome, Long> byOutcome() {
        return new EnumMap<>(byOutcome);
    }

    synchronized Map<String, Long> byStatus() {
        return new TreeMap<>(byStatus);
    }

    synchronized Map<String, Long> byKind() {
        return new TreeMap<>(byKind);
    }

    synchronized Map<String, Long> failureReasons() {
        return new TreeMap<>(failureReasons);
    }

    synchronized List<String> malformedSamples() {
        return List.copyOf(malformedSamples);
    }

    double bucketSeconds() {
        return bucketSeconds;
    }

    /** Output tokens per second of each bucket up to {@code seconds}. */
    double[] tokensPerSecond(double seconds) {
        int n = Math.max(1, Math.min(tokens.length(), (int) Math.ceil(seconds / bucketSeconds)));
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = tokens.get(i) / bucketSeconds;
        }
        return out;
    }

    long totalTokens() {
        long sum = 0;
        for (int i = 0; i < tokens.length(); i++) {
            sum += tokens.get(i);
        }
        return sum;
    }
}
