package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A fuzzing campaign over one target: mutants {@code first .. first+count-1} of a seed, each run
 * through its verb in this JVM, tallied per {@link Outcome} and per mutation kind, with the first
 * offending cases kept for the report. Stops early after {@code maxHangs} hangs, since each
 * abandoned worker keeps a core busy.
 */
public final class Campaign {

    /** What to run. {@code tolerated} cases count as findings but are not listed as offenders. */
    public record Options(FuzzTarget target, long seed, int first, int count, int keepOffenders,
                          int maxHangs, Predicate<CaseResult> tolerated) {
    }

    /** Counts per outcome and per kind, the kept offenders, the elapsed time. */
    public record Report(FuzzTarget target, long seed, int first, int run,
                         Map<Outcome, Integer> outcomes, Map<String, Map<Outcome, Integer>> byKind,
                         List<CaseResult> offenders, int tolerated, double seconds) {

        /** Cases whose outcome is a finding (not clean error, success or declared failure). */
        public int findings() {
            int n = 0;
            for (Map.Entry<Outcome, Integer> e : outcomes.entrySet()) {
                n += e.getKey().acceptable ? 0 : e.getValue();
            }
            return n;
        }

        /** One line per outcome class, then the offenders with how to replay them. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "fuzz %s: %,d mutants (seed %d, indices %d..%d) in %.1f s%n",
                    target.id, run, seed, first, first + run - 1, seconds));
            for (Outcome o : Outcome.values()) {
                sb.append(String.format(Locale.ROOT, "  %-22s %,8d%n", o.label, outcomes.getOrDefault(o, 0)));
            }
            if (tolerated > 0) {
                sb.append(String.format(Locale.ROOT, "  (%d findings in the tolerated set)%n", tolerated));
            }
            StringBuilder kinds = new StringBuilder();
            byKind.forEach((k, m) -> m.forEach((o, n) -> {
                if (!o.acceptable) {
                    kinds.append(kinds.isEmpty() ? "" : ", ").append(k).append(' ').append(o.label)
                            .append(' ').append(n);
                }
            }));
            if (!kinds.isEmpty()) {
                sb.append("  findings by kind: ").append(kinds).append(System.lineSeparator());
            }
            for (CaseResult c : offenders) {
                sb.append(String.format(Locale.ROOT, "  %s #%d %s [%s via %s]: %s%n    %s%n"
                        + "    replay: ultramem fuzz --target %s --seed %d --index %d%n",
                        c.outcome().label, c.mutant().index(), c.mutant().kind(), c.mutant().detail(),
                        c.verb(), c.exit() >= 0 ? "exit " + c.exit() : "no exit", c.message(),
                        target.id, seed, c.mutant().index()));
            }
            return sb.toString();
        }

        /** The report as one JSON object. */
        public ObjectNode json() {
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode o = f.objectNode();
            o.put("target", target.id).put("seed", seed).put("first", first).put("mutants", run)
                    .put("seconds", seconds).put("findings", findings()).put("tolerated", tolerated);
            ObjectNode counts = o.putObject("outcomes");
            for (Outcome x : Outcome.values()) {
                counts.put(x.name().toLowerCase(Locale.ROOT), outcomes.getOrDefault(x, 0));
            }
            ObjectNode kinds = o.putObject("by_kind");
            byKind.forEach((k, m) -> {
                ObjectNode n = kinds.putObject(k);
                m.forEach((x, c) -> n.put(x.name().toLowerCase(Locale.ROOT), c));
            });
            var arr = o.putArray("offenders");
            for (CaseResult c : offenders) {
                arr.addObject().put("index", c.mutant().index()).put("kind", c.mutant().kind())
                        .put("detail", c.mutant().detail()).put("verb", c.verb())
                        .put("outcome", c.outcome().name().toLowerCase(Locale.ROOT)).put("exit", c.exit())
                        .put("message", c.message());
            }
            return o;
        }
    }

    private Campaign() {
    }

    /**
     * Runs the campaign; {@code progress} (may be null) gets a line every 1,000 mutants and
     * {@code each} every case as it finishes.
     */
    public static Report run(FuzzWorkspace ws, CaseRunner runner, Options opt, PrintStream progress,
                             Consumer<CaseResult> each) throws IOException {
        long t0 = System.nanoTime();
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        Map<String, Map<Outcome, Integer>> byKind = new TreeMap<>();
        List<CaseResult> offenders = new ArrayList<>();
        int tolerated = 0;
        int hangs = 0;
        int done = 0;
        for (int i = opt.first(); i < opt.first() + opt.count(); i++) {
            CaseResult c = runCase(ws, runner, opt.target(), opt.seed(), i);
            done++;
            each.accept(c);
            outcomes.merge(c.outcome(), 1, Integer::sum);
            byKind.computeIfAbsent(c.mutant().kind(), k -> new EnumMap<>(Outcome.class))
                    .merge(c.outcome(), 1, Integer::sum);
            if (!c.outcome().acceptable) {
                if (opt.tolerated().test(c)) {
                    tolerated++;
                } else if (offenders.size() < opt.keepOffenders()) {
                    offenders.add(c);
                }
                if (c.outcome() == Outcome.HANG && ++hangs >= opt.maxHangs()) {
                    if (progress != null) {
                        progress.printf("fuzz %s: stopping after %d hangs%n", opt.target().id, hangs);
                    }
                    break;
                }
            }
            if (progress != null && done % 1000 == 0) {
                progress.printf(Locale.ROOT, "fuzz %s: %,d / %,d (%.0f s)%n", opt.target().id, done,
                        opt.count(), (System.nanoTime() - t0) / 1e9);
            }
        }
        return new Report(opt.target(), opt.seed(), opt.first(), done, outcomes, byKind, offenders,
                tolerated, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Replays one mutant and describes it in full: kind, detail, the command line, exit code,
     * outcome, and everything the run printed. {@code save} (may be null) receives the mutant's
     * bytes; the case folder is kept so the command line can be run again by hand.
     */
    public static String replay(FuzzWorkspace ws, CaseRunner runner, FuzzTarget target, long seed,
                                int index, Path save) throws IOException {
        Mutant m = ws.mutant(target, seed, index);
        if (save != null) {
            java.nio.file.Files.write(save, m.bytes());
        }
        Path dir = ws.prepareCase(target, m);
        String verb = target.verbFor(seed, index);
        String[] args = ws.arguments(target, verb, dir);
        CaseRunner.Run r = runner.run(args);
        Outcome o = r.timedOut() ? Outcome.HANG
                : Outcome.classify(verb, target.declaredExitCodes, r.exit(), r.err(), r.thrown());
        StringBuilder sb = new StringBuilder();
        sb.append("mutant ").append(target.id).append(" seed ").append(seed).append(" index ")
                .append(index).append(": ").append(m.kind()).append(": ").append(m.detail()).append('\n');
        sb.append("command: ultramem ").append(String.join(" ", args)).append('\n');
        sb.append("outcome: ").append(o.label).append(r.timedOut() ? "" : " (exit " + r.exit() + ")")
                .append('\n');
        if (r.thrown() != null) {
            java.io.StringWriter w = new java.io.StringWriter();
            r.thrown().printStackTrace(new java.io.PrintWriter(w));
            sb.append("thrown:\n").append(w);
        }
        sb.append("--- stdout\n").append(r.out()).append("--- stderr\n").append(r.err());
        return sb.toString();
    }

    /** Makes, runs and cleans up one case. */
    public static CaseResult runCase(FuzzWorkspace ws, CaseRunner runner, FuzzTarget target, long seed,
                                     int index) throws IOException {
        Mutant m = ws.mutant(target, seed, index);
        Path dir = ws.prepareCase(target, m);
        String verb = target.verbFor(seed, index);
        CaseResult c = runner.run(target, m, verb, target.declaredExitCodes,
                ws.arguments(target, verb, dir));
        if (c.outcome() != Outcome.HANG) {
            FuzzWorkspace.deleteTree(dir);
        }
        return c;
    }
}
