package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ultramem.fuzz.Campaign;
import org.ultramem.fuzz.CaseRunner;
import org.ultramem.fuzz.Cli;
import org.ultramem.fuzz.FuzzTarget;
import org.ultramem.fuzz.FuzzWorkspace;
import org.ultramem.io.ConfigJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem fuzz} (a developer verb, hidden from the usage): a fuzzing campaign over the
 * files the CLI loads, run in this JVM through the CLI's own entry point. Prints per target the
 * count of each outcome class and the first offending mutants with the command that replays
 * them. Exit 0 when every mutant ended in a clean error, a success or a declared failure, 1 when
 * there were findings.
 */
@Command(name = "fuzz", hidden = true, mixinStandardHelpOptions = true,
        description = {"Fuzz the file loaders: seeded mutants of model/optimizer/golden safetensors,"
                + " tokenizer.json, checkpoint config.json and run configs, each run through the CLI"
                + " in this JVM; counts per outcome class and the first offenders.",
            "  ultramem fuzz --target all --count 10000",
            "  ultramem fuzz --target model --seed 1 --index 4711 [--save mutant.safetensors]"})
public final class FuzzCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", required = true, description = "model, optimizer, golden, tokenizer,"
            + " config, run-config or all.")
    String target;

    @Option(names = "--count", defaultValue = "10000", description = "Mutants per target (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", defaultValue = "1", description = "Campaign seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--first", defaultValue = "0", description = "Index of the first mutant (default: ${DEFAULT-VALUE}).")
    int first;

    @Option(names = "--index", description = "Replay this one mutant and print everything it did"
            + " (with --work, its case folder is kept to rerun the printed command by hand).")
    Integer index;

    @Option(names = "--save", description = "With --index: write the mutant's bytes to this file.")
    Path save;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds before a case counts as a hang (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--show", defaultValue = "5", description = "Offending mutants to list per target (default: ${DEFAULT-VALUE}).")
    int show;

    @Option(names = "--work", description = "Folder for the fixture and cases (default: a temporary folder, deleted after).")
    Path work;

    @Option(names = "--golden", description = "Golden file for the golden target (default:"
            + " src/test/resources/golden/ultramem_v1_tiny.safetensors of the checkout).")
    Path golden;

    @Option(names = "--json", description = "Print one JSON object per target instead of text.")
    boolean json;

    @Option(names = "--list", description = "Print one line per mutant (index, kind, verb, outcome,"
            + " message) as it finishes.")
    boolean list;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<FuzzTarget> targets = targets();
        if (count <= 0 || timeoutSeconds <= 0) {
            throw new IllegalArgumentException("--count " + count + " and --timeout " + timeoutSeconds
                    + " must be > 0");
        }
        Path g = golden != null ? golden : defaultGolden();
        if (g != null && !Files.isRegularFile(g)) {
            throw new IllegalArgumentException("--golden " + g + " is not a file");
        }
        if (targets.contains(FuzzTarget.GOLDEN) && g == null) {
            if (target.equals("all")) {
                targets.remove(FuzzTarget.GOLDEN);
                spec.commandLine().getErr().println("ultramem fuzz: no golden file found; skipping the"
                        + " golden target (pass --golden FILE)");
            } else {
                throw new IllegalArgumentException("--target golden needs --golden FILE (a golden"
                        + " safetensors file such as shared/golden/ultramem_v1_tiny.safetensors)");
            }
        }
        boolean temporary = work == null;
        Path root = temporary ? Files.createTempDirectory("ultramem-fuzz") : Files.createDirectories(work);
        Cli cli = (args, o, e) -> {
            CommandLine cl = Main.commandLine();
            cl.setOut(o);
            cl.setErr(e);
            return cl.execute(args);
        };
        int findings = 0;
        try (CaseRunner runner = new CaseRunner(cli, Duration.ofSeconds(timeoutSeconds))) {
            runner.console().println("fuzz: building the fixture in " + root);
            FuzzWorkspace ws = FuzzWorkspace.create(root, g, cli);
            for (FuzzTarget t : targets) {
                if (index != null) {
                    out.print(Campaign.replay(ws, runner, t, seed, index, save));
                    out.flush();
                    continue;
                }
                Campaign.Report r = Campaign.run(ws, runner, new Campaign.Options(t, seed, first, count,
                        show, 3, c -> false), runner.console(), c -> {
                            if (list) {
                                out.printf("%s #%d %s via %s: %s: %s%n", t.id, c.mutant().index(),
                                        c.mutant().kind(), c.verb(), c.outcome().label, c.message());
                                out.flush();
                            }
                        });
                findings += r.findings();
                out.print(json ? ConfigJson.toCompactJson(r.json()) + "\n" : r.text());
                out.flush();
            }
        } finally {
            if (temporary) {
                FuzzWorkspace.deleteTree(root);
            }
        }
        return findings == 0 ? 0 : 1;
    }

    private List<FuzzTarget> targets() {
        List<FuzzTarget> out = new ArrayList<>();
        if (target.equals("all")) {
            out.addAll(List.of(FuzzTarget.values()));
        } else {
            for (String t : target.split(",")) {
                out.add(FuzzTarget.of(t.strip()));
            }
        }
        return out;
    }

    private static Path defaultGolden() {
        // the project's own copy (test resources) from a checkout, else a shared/ folder beside it
        Path home = Path.of(System.getProperty("ultramem.home", "."));
        for (Path p : new Path[] {home.resolve("src/test/resources/golden/ultramem_v1_tiny.safetensors"),
                home.resolve("../shared/golden/ultramem_v1_tiny.safetensors")}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
