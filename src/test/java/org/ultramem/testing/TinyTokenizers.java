package org.ultramem.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.BpeTrainer;
import org.ultramem.text.TokenizerJson;

/** Small byte-level BPE tokenizers trained in a moment, saved as tokenizer.json files. */
public final class TinyTokenizers {

    /** Text for tokenizer "a". */
    public static final String A = "the cat sat on the mat and the dog ran to the park ";
    /** Text for tokenizer "b": other words, so other merges. */
    public static final String B = "lorem ipsum dolor sit amet consectetur adipiscing ";

    private TinyTokenizers() {
    }

    /** Trains on {@code text} repeated, to {@code vocab} ids, and saves to {@code file}. */
    public static Path save(Path file, String text, int vocab) throws IOException {
        BpeTrainer t = new BpeTrainer();
        t.addDocument(text.repeat(30));
        BpeTokenizer tok = t.train(vocab, line -> { });
        TokenizerJson.save(tok, file);
        return file;
    }
}
