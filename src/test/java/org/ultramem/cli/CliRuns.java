package org.ultramem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.ultramem.model.ModelConfig;

/** Runs the whole CLI ({@link Main#commandLine}: real exit codes and error lines) in-process. */
final class CliRuns {

    record Run(int code, String out, String err) {
    }

    private CliRuns() {
    }

    static Run main(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = Main.execute(cl, args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A tiny model with an UltraMem layer and a vocabulary a byte-level tokenizer fits. */
    static ModelConfig ultraMem300() {
        return ModelConfig.fromJson("""
                {"vocab_size": 300, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 16,
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2,
                    "tucker_cores": 2, "value_expand": 4}]}
                """, "CliRuns");
    }
}
