package org.ultramem.data.facts;

/**
 * One evaluation question of {@code facts-eval.jsonl}: a prompt ending in "Answer:" and the value
 * a correct model continues it with.
 *
 * @param person the person's id (line in facts.jsonl)
 * @param attribute what is asked
 * @param kind held-out template (never in training text) or training template (its answered line
 *     is in train.bin)
 * @param template index into {@link Templates#heldOutQuestions} or {@link Templates#trainQuestions}
 * @param prompt the text given to the model, e.g. "Where was Anna Rose Smith born? Answer:"
 * @param answer the expected value, e.g. "Boston"
 */
public record FactPrompt(int person, Attribute attribute, Kind kind, int template, String prompt,
                         String answer) {

    /** Which question templates a prompt uses. */
    public enum Kind {
        HELDOUT("heldout"), TRAIN("train");

        /** Key in facts-eval.jsonl. */
        public final String key;

        Kind(String key) {
            this.key = key;
        }

        /** The kind whose key is {@code key}. */
        public static Kind ofKey(String key) {
            for (Kind k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown prompt kind `" + key + "`; use heldout or"
                    + " train");
        }
    }
}
